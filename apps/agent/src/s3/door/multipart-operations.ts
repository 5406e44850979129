import { Inject, Injectable } from '@nestjs/common';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '@mcos/common';
import { timestampDate } from '../../clock/timestamp';
import { multipartFailureOf } from '../../multipart/multipart.errors';
import { MultipartService } from '../../multipart/multipart.service';
import { ObjectsService } from '../../objects/objects.service';
import { MAX_PART_NUMBER, UPLOAD_ID_PATTERN } from '../../storage/object-key';
import { decodeBody, readSmallBody } from '../payload/s3-body';
import { expectedChecksum } from '../payload/checksums';
import { copySourceConditionHeaders, evaluateCopySourceConditions, evaluateReadConditions, readConditionHeaders } from '../request/conditional';
import { formatHttpDate } from '../request/http-date';
import { contentRange } from '../request/range';
import {
  completeMultipartUploadResultXml,
  copyPartResultXml,
  initiateMultipartUploadResultXml,
  listMultipartUploadsResultXml,
  listPartsResultXml,
  MAX_COMPLETE_XML_BYTES,
  parseCompleteMultipartUpload,
} from '../xml/multipart-xml';
import { quoteEtag } from '../xml/response-xml';
import { S3Error } from '../xml/s3-error';
import { S3BucketOperations } from './bucket-operations';
import { objectMetadataFromHeaders } from './object-metadata';
import { assertStorableKey, objectHeaders, parseCopySource, S3_DOOR_LIMITS, type S3DoorLimits } from './object-operations';
import { sendEmpty, sendXml } from './s3-answer';
import { ownerOf, paramOf, type S3BucketCall, type S3ObjectCall } from './s3-call';

const MAX_LISTED = 1000;

/**
 * The multipart operations of the S3 door over MultipartService (and
 * ObjectsService for GET/HEAD ?partNumber): the door only translates S3's
 * parameters, bodies and answers; uploads, parts and manifests live below.
 */
@Injectable()
export class S3MultipartOperations {
  constructor(
    private readonly multipart: MultipartService,
    private readonly objects: ObjectsService,
    private readonly buckets: S3BucketOperations,
    @Inject(S3_DOOR_LIMITS) private readonly limits: S3DoorLimits,
  ) {}

  async createMultipartUpload(call: S3ObjectCall): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key, { account: call.account, bucket, maxKeyBytes: this.limits.maxKeyBytes });
    const meta = objectMetadataFromHeaders(call.req.headers);
    call.req.body.resume();
    const { uploadId } = await this.run(call, () =>
      this.multipart.create({ account: call.account, container: bucket, name: key, contentType: meta.contentType, userMetadata: meta.userMetadata, objectHeaders: meta.objectHeaders }),
    );
    sendXml(call.res, 200, initiateMultipartUploadResultXml(bucket, key, uploadId));
  }

  /** UploadPart: the body checked like a PutObject's (Content-MD5, x-amz-checksum-*, signatures) as it streams into the part's replicas. */
  async uploadPart(call: S3ObjectCall): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key);
    const { uploadId, partNumber } = this.partParams(call);
    const { body, size } = decodeBody(call.req, call.verified, { maxSize: this.limits.maxObjectBytes });
    const answer = await this.run(call, () =>
      this.multipart.uploadPart({ account: call.account, container: bucket, name: key, uploadId, partNumber, body, contentLength: size }),
    );
    const headers: Record<string, string> = { etag: quoteEtag(answer.etag) };
    const checksum = expectedChecksum(call.req.headers);
    if (checksum?.value !== undefined) headers[`x-amz-checksum-${checksum.algorithm}`] = checksum.value;
    sendEmpty(call.res, 200, headers);
  }

  /** UploadPartCopy: the source (or `x-amz-copy-source-range` of it) read and written inside the cluster. */
  async uploadPartCopy(call: S3ObjectCall): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key);
    const { uploadId, partNumber } = this.partParams(call);
    const headers = call.req.headers;
    const source = parseCopySource(headers['x-amz-copy-source']!);
    assertStorableKey(source.key);
    if (source.versionId !== undefined && source.versionId !== 'null') throw new S3Error('NoSuchVersion', undefined, undefined, { VersionId: source.versionId.slice(0, 128) });
    call.req.body.resume();
    const srcAddress = { account: call.account, container: source.bucket, name: source.key };
    const head = await this.objects.head(srcAddress).catch((err: unknown) => this.missing(call, source.bucket, err, source.key));
    evaluateCopySourceConditions(copySourceConditionHeaders(headers), { etag: head.version.etag, lastModified: timestampDate(head.version.timestamp) });
    const range = copySourceRange(headers['x-amz-copy-source-range'], head.version.size);
    const answer = await this.run(call, () =>
      this.multipart.uploadPartCopy({ account: call.account, container: bucket, name: key, uploadId, partNumber, source: { ...srcAddress, ...(range ? { range } : {}) } }),
    );
    sendXml(call.res, 200, copyPartResultXml(answer.etag, timestampDate(answer.timestamp)));
  }

  async listParts(call: S3ObjectCall): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key);
    const uploadId = this.uploadIdOf(call);
    const maxParts = boundedInt(call, 'max-parts', MAX_LISTED, 0, 1_000_000);
    const marker = boundedInt(call, 'part-number-marker', 0, 0, MAX_PART_NUMBER);
    const encoding = encodingOf(call);
    const page = await this.run(call, () =>
      this.multipart.listParts({ account: call.account, container: bucket, name: key, uploadId }, { partNumberMarker: marker || undefined, limit: Math.max(1, Math.min(maxParts, MAX_LISTED)) }),
    );
    const parts = maxParts === 0 ? [] : page.parts;
    sendXml(
      call.res,
      200,
      listPartsResultXml({
        bucket,
        key,
        uploadId,
        owner: ownerOf(call.account),
        partNumberMarker: marker,
        nextPartNumberMarker: page.nextPartNumberMarker ?? parts[parts.length - 1]?.partNumber,
        maxParts: Math.min(maxParts, MAX_LISTED),
        isTruncated: maxParts === 0 ? page.parts.length > 0 : page.truncated,
        ...(encoding ? { encodingType: encoding } : {}),
        parts,
      }),
    );
  }

  async completeMultipartUpload(call: S3ObjectCall): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key);
    const uploadId = this.uploadIdOf(call);
    const { body } = decodeBody(call.req, call.verified, { maxSize: MAX_COMPLETE_XML_BYTES });
    const parts = parseCompleteMultipartUpload(await readSmallBody(body, MAX_COMPLETE_XML_BYTES));
    const done = await this.run(call, () => this.multipart.complete({ account: call.account, container: bucket, name: key, uploadId }, parts));
    const location = `/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
    sendXml(call.res, 200, completeMultipartUploadResultXml({ location, bucket, key, etag: done.etag }));
  }

  async abortMultipartUpload(call: S3ObjectCall): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key);
    const uploadId = this.uploadIdOf(call);
    call.req.body.resume();
    await this.run(call, () => this.multipart.abort({ account: call.account, container: bucket, name: key, uploadId }));
    sendEmpty(call.res, 204);
  }

  async listMultipartUploads(call: S3BucketCall): Promise<void> {
    const { bucket } = call.address;
    const maxUploads = boundedInt(call, 'max-uploads', MAX_LISTED, 0, 1_000_000);
    const prefix = paramOf(call.params, 'prefix') || undefined;
    const delimiter = paramOf(call.params, 'delimiter') || undefined;
    const keyMarker = paramOf(call.params, 'key-marker') || undefined;
    // S3 ignores the upload-id marker without a key marker.
    const uploadIdMarker = keyMarker ? paramOf(call.params, 'upload-id-marker') || undefined : undefined;
    const encoding = encodingOf(call);
    const page =
      maxUploads === 0
        ? { uploads: [], commonPrefixes: [], truncated: false }
        : await this.multipart.listUploads(call.account, bucket, { prefix, delimiter, keyMarker, uploadIdMarker, limit: Math.min(maxUploads, MAX_LISTED) }).catch(async (err: unknown) => {
            if (err instanceof NotFoundError) await this.buckets.bucketOf(call);
            throw err;
          });
    sendXml(
      call.res,
      200,
      listMultipartUploadsResultXml({
        bucket,
        owner: ownerOf(call.account),
        prefix,
        delimiter,
        keyMarker,
        uploadIdMarker,
        nextKeyMarker: 'nextKeyMarker' in page ? page.nextKeyMarker : undefined,
        nextUploadIdMarker: 'nextUploadIdMarker' in page ? page.nextUploadIdMarker : undefined,
        maxUploads: Math.min(maxUploads, MAX_LISTED),
        isTruncated: page.truncated,
        ...(encoding ? { encodingType: encoding } : {}),
        uploads: page.uploads.map((u) => ({ key: u.name, uploadId: u.uploadId, initiated: u.initiated })),
        commonPrefixes: page.commonPrefixes,
      }),
    );
  }

  /** GetObject / HeadObject with `?partNumber=N`: that part of a multipart object (part 1 = the whole of another), with x-amz-mp-parts-count. */
  async getObjectPart(call: S3ObjectCall, head = false): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key);
    if (call.req.headers.range !== undefined) throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter.');
    const partNumber = partNumberOf(call);
    const read = await this.objects.get({ account: call.account, container: bucket, name: key, partNumber }).catch((err: unknown) => this.missing(call, bucket, err, key));
    let outcome: 'proceed' | 'not-modified';
    try {
      outcome = evaluateReadConditions(readConditionHeaders(call.req.headers), { etag: read.version.etag, lastModified: timestampDate(read.version.timestamp) });
    } catch (err) {
      read.body.destroy();
      throw err;
    }
    if (outcome === 'not-modified') {
      read.body.destroy();
      sendEmpty(call.res, 304, { etag: quoteEtag(read.version.etag), 'last-modified': formatHttpDate(timestampDate(read.version.timestamp)) });
      return;
    }
    const served = read.range ?? { start: 0, end: read.version.size - 1 };
    const length = read.version.size === 0 ? 0 : served.end - served.start + 1;
    const headers = {
      ...objectHeaders(read.version),
      'last-modified': formatHttpDate(timestampDate(read.version.timestamp)),
      'content-length': length,
      ...(read.partsCount !== undefined && read.version.multipart ? { 'x-amz-mp-parts-count': String(read.partsCount) } : {}),
      ...(read.version.multipart ? { 'content-range': contentRange(served, read.version.size) } : {}),
    };
    const status = read.version.multipart ? 206 : 200;
    if (head) {
      read.body.destroy();
      sendEmpty(call.res, status, headers);
      return;
    }
    call.res.writeHead(status, headers);
    await pipeline(read.body, call.res).catch(() => call.res.destroy());
  }

  headObjectPart(call: S3ObjectCall): Promise<void> {
    return this.getObjectPart(call, true);
  }

  private partParams(call: S3ObjectCall): { uploadId: string; partNumber: number } {
    return { uploadId: this.uploadIdOf(call), partNumber: partNumberOf(call) };
  }

  private uploadIdOf(call: S3ObjectCall): string {
    const id = paramOf(call.params, 'uploadId') ?? '';
    // A malformed id is an unknown one: checked before any lookup.
    if (!UPLOAD_ID_PATTERN.test(id)) throw new S3Error('NoSuchUpload', undefined, undefined, { UploadId: id.slice(0, 128) });
    return id;
  }

  /** Runs a MultipartService call, answering its failures with S3's codes (NoSuchBucket when the bucket is what is missing). */
  private async run<T>(call: S3ObjectCall, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const failure = multipartFailureOf(err);
      if (failure) throw new S3Error(failure, (err as Error).message);
      if (err instanceof NotFoundError) {
        await this.buckets.bucketOf(call);
        throw new S3Error('NoSuchKey', undefined, undefined, { Key: call.address.key.slice(0, 1024) });
      }
      throw err;
    }
  }

  private async missing(call: S3ObjectCall, bucket: string, err: unknown, key: string): Promise<never> {
    if (err instanceof NotFoundError) {
      await this.buckets.bucketOf({ ...call, address: { ...call.address, bucket } });
      throw new S3Error('NoSuchKey', undefined, undefined, { Key: key.slice(0, 1024) });
    }
    throw err;
  }
}

function partNumberOf(call: S3ObjectCall): number {
  const raw = paramOf(call.params, 'partNumber') ?? '';
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_PART_NUMBER)) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', undefined, { ArgumentName: 'partNumber', ArgumentValue: raw.slice(0, 32) });
  }
  return n;
}

function boundedInt(call: S3BucketCall | S3ObjectCall, name: string, fallback: number, min: number, max: number): number {
  const raw = paramOf(call.params, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, undefined, { ArgumentName: name, ArgumentValue: raw.slice(0, 32) });
  }
  return Number(raw);
}

function encodingOf(call: S3BucketCall | S3ObjectCall): 'url' | undefined {
  const raw = paramOf(call.params, 'encoding-type');
  if (raw === undefined) return undefined;
  if (raw !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', undefined, { ArgumentName: 'encoding-type', ArgumentValue: raw.slice(0, 32) });
  return 'url';
}

/** `x-amz-copy-source-range: bytes=first-last`, both ends required and inside the source. */
function copySourceRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d{1,15})-(\d{1,15})$/.exec(value.trim());
  if (!m) throw new S3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', undefined, { ArgumentName: 'x-amz-copy-source-range' });
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start > end || end >= size) throw new S3Error('InvalidRange', `The x-amz-copy-source-range is not valid for a source of ${size} bytes.`);
  return { start, end };
}
