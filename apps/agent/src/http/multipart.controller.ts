import { Controller, Delete, HttpCode, Param, Post, Put, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BadRequestError, NotFoundError, PayloadTooLargeError, PreconditionFailedError } from '@mcos/common';
import { Account, UserAuthGuard } from '../auth/user-auth.guard';
import { NoSuchUploadError } from '../multipart/multipart.errors';
import { type CompletePart, MultipartService } from '../multipart/multipart.service';
import { ObjectsService } from '../objects/objects.service';
import { MAX_PART_NUMBER, UPLOAD_ID_PATTERN } from '../storage/object-key';
import { ContainerNamePipe } from './name.pipes';
import { contentLength, userMetaFromHeaders } from './object-http';
import { UserConcurrencyInterceptor } from './user-concurrency';

/** `/v1/containers/<container>/uploads/<name>`: the name read from the raw path, as for objects. */
const UPLOAD_PATH = /^\/v1\/containers\/[^/]+\/uploads\/(.+)$/s;

/** A Complete body: 10,000 parts of `{"partNumber":10000,"etag":"<34 chars>"},` fit in well under 1 MiB. */
export const MAX_COMPLETE_BODY = 1024 * 1024;

/**
 * Multipart uploads through the user API (bearer token, no S3 key): the
 * same uploads as the S3 door's, over MultipartService, so `mcos put` can
 * send a big file's parts in parallel. Routes:
 *
 *   POST   .../uploads/<name>                          create  → 201 {uploadId}
 *   PUT    .../uploads/<name>?uploadId=U&partNumber=N  a part  → 200 {partNumber, etag, size}
 *   POST   .../uploads/<name>?uploadId=U               complete, body {parts:[{partNumber, etag}]} → 201 {etag, size, parts}
 *   DELETE .../uploads/<name>?uploadId=U               abort   → 204
 *
 * Errors are the user API's JSON (404 unknown upload, 400 a rejected
 * Complete with the S3 failure name in the message).
 */
@ApiTags('uploads')
@ApiBearerAuth()
@UseGuards(UserAuthGuard)
@UseInterceptors(UserConcurrencyInterceptor)
@Controller('v1/containers/:container/uploads')
export class MultipartController {
  constructor(
    private readonly multipart: MultipartService,
    private readonly objects: ObjectsService,
  ) {}

  @Post('*name')
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a multipart upload (no uploadId), or complete one (?uploadId=, body {parts:[{partNumber, etag}]})' })
  async createOrComplete(@Account() account: string, @Param('container', ContainerNamePipe) container: string, @Req() req: Request) {
    const name = uploadNameFromUrl(req.url);
    const uploadId = queryOf(req, 'uploadId');
    if (uploadId === undefined) {
      const contentType = req.headers['content-type'];
      const { uploadId: id } = await this.multipart.create({ account, container, name, contentType: typeof contentType === 'string' ? contentType : undefined, userMetadata: userMetaFromHeaders(req) });
      return { uploadId: id };
    }
    const parts = parseCompleteBody(await readBody(req, MAX_COMPLETE_BODY));
    const address = { account, container, name, uploadId: checkUploadId(uploadId) };
    // --no-overwrite: checked just before the manifest is written; S3 has the same window between its check and the write.
    if (req.headers['if-none-match'] === '*' && (await this.exists(account, container, name))) throw new PreconditionFailedError(`object ${name} already exists`);
    const done = await this.multipart.complete(address, parts);
    return { etag: done.etag, size: done.size, parts: done.parts, timestamp: done.timestamp };
  }

  @Put('*name')
  @HttpCode(200)
  @ApiOperation({ summary: 'Upload part N of an upload (?uploadId=&partNumber=); a part sent again replaces it' })
  async uploadPart(@Account() account: string, @Param('container', ContainerNamePipe) container: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const name = uploadNameFromUrl(req.url);
    const uploadId = checkUploadId(queryOf(req, 'uploadId'));
    const partNumber = checkPartNumber(queryOf(req, 'partNumber'));
    const answer = await this.multipart.uploadPart({
      account,
      container,
      name,
      uploadId,
      partNumber,
      body: req,
      contentLength: contentLength(req),
      // The rest of an oversized chunked body is never read.
      onTooLarge: () => res.setHeader('connection', 'close'),
    });
    return { partNumber, etag: answer.etag, size: answer.size };
  }

  @Delete('*name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Abort an upload (?uploadId=); its parts are freed by background work' })
  async abort(@Account() account: string, @Param('container', ContainerNamePipe) container: string, @Req() req: Request): Promise<void> {
    await this.multipart.abort({ account, container, name: uploadNameFromUrl(req.url), uploadId: checkUploadId(queryOf(req, 'uploadId')) });
  }

  private async exists(account: string, container: string, name: string): Promise<boolean> {
    try {
      await this.objects.head({ account, container, name });
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }
}

export function uploadNameFromUrl(url: string): string {
  const raw = UPLOAD_PATH.exec(url.split('?')[0])?.[1] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequestError('object name is not valid percent-encoded UTF-8');
  }
}

function queryOf(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadRequestError(`${name} must be given once`);
  return value;
}

/** A malformed id cannot name an upload: the same answer as an unknown one. */
export function checkUploadId(id: string | undefined): string {
  if (id === undefined) throw new BadRequestError('uploadId is required');
  if (!UPLOAD_ID_PATTERN.test(id)) throw new NoSuchUploadError(id);
  return id;
}

export function checkPartNumber(raw: string | undefined): number {
  const n = raw === undefined || !/^\d{1,5}$/.test(raw) ? NaN : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PART_NUMBER) throw new BadRequestError(`partNumber must be a whole number from 1 to ${MAX_PART_NUMBER}`);
  return n;
}

/** `{parts: [{partNumber, etag}]}`, each checked; anything else is 400. */
export function parseCompleteBody(body: Buffer): CompletePart[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequestError('the body must be JSON: {"parts":[{"partNumber":1,"etag":"..."}]}');
  }
  const parts = (parsed as { parts?: unknown } | null)?.parts;
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > MAX_PART_NUMBER) throw new BadRequestError(`parts must list 1 to ${MAX_PART_NUMBER} parts`);
  return parts.map((p: unknown, i) => {
    const { partNumber, etag } = (p ?? {}) as { partNumber?: unknown; etag?: unknown };
    if (!Number.isInteger(partNumber) || typeof etag !== 'string' || etag.length > 80) throw new BadRequestError(`parts[${i}] must be {partNumber: integer, etag: string}`);
    return { partNumber: partNumber as number, etag };
  });
}

/** Reads a small body, refusing (413) a declared or streamed length over `limit` before holding more. */
export async function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = contentLength(req);
  if (declared !== undefined && declared > limit) throw new PayloadTooLargeError(`the body is at most ${limit} bytes`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    length += (chunk as Buffer).length;
    if (length > limit) {
      req.destroy();
      throw new PayloadTooLargeError(`the body is at most ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
