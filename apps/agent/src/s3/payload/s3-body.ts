import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { VerifiedRequest } from '../auth/sigv4-verifier';
import type { S3Request } from '../s3-request';
import { S3Error } from '../xml/s3-error';
import { AwsChunkedDecoder } from './aws-chunked-decoder';
import { expectedChecksum } from './checksums';
import { checksumVerifier, contentMd5Verifier, sha256Verifier } from './digest-verifier';
import { payloadMode, type PayloadMode } from './payload-mode';

export interface DecodeBodyOptions {
  /** Largest object accepted (EntityTooLarge beyond). */
  maxSize?: number;
  /**
   * `verify` (default) checks Content-MD5 here; `caller` leaves it to a data
   * path that computes the MD5 anyway (see checkContentMd5), to hash once.
   */
  contentMd5?: 'verify' | 'caller';
}

/** The object bytes of a request, checked as they stream. */
export interface DecodedBody {
  /**
   * The decoded object bytes. It fails (with an S3Error) before its end when
   * anything does not match; commit only after it ended cleanly.
   */
  body: Readable;
  /** The object's size when the request tells it (x-amz-decoded-content-length or Content-Length). */
  size?: number;
  mode: PayloadMode;
}

const DIGITS = /^\d{1,15}$/;

function lengthHeader(headers: S3Request['headers'], name: string): number | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  if (!DIGITS.test(v.trim())) throw new S3Error('InvalidArgument', `${name} must be a non-negative integer.`, undefined, { ArgumentName: name, ArgumentValue: v.slice(0, 64) });
  return Number(v.trim());
}

/** Fails the stream with EntityTooLarge once more than `max` bytes went through. */
class SizeLimit extends Transform {
  private seen = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) cb(new S3Error('EntityTooLarge'));
    else cb(null, chunk);
  }
}

/**
 * Turns a verified request's body into the object's bytes: passes an
 * UNSIGNED-PAYLOAD body through, holds a signed one to its SHA-256, decodes
 * and verifies aws-chunked bodies (signed chunks, trailers), and checks
 * x-amz-checksum-* (header or trailer) and Content-MD5. Every check streams
 * with bounded memory. Header problems throw an S3Error at once, before any
 * byte is read.
 */
export function decodeBody(req: S3Request, verified: VerifiedRequest, opts: DecodeBodyOptions = {}): DecodedBody {
  const mode = payloadMode(verified.payloadHash);
  const checksum = expectedChecksum(req.headers);
  const contentLength = lengthHeader(req.headers, 'content-length');
  const stages: Transform[] = [];
  let size: number | undefined;

  if (mode.kind === 'chunked') {
    size = lengthHeader(req.headers, 'x-amz-decoded-content-length');
    if (opts.maxSize !== undefined && size !== undefined && size > opts.maxSize) throw new S3Error('EntityTooLarge');
    stages.push(
      new AwsChunkedDecoder({
        signing: mode.signed ? verified.signing : undefined,
        trailer: mode.trailer,
        decodedLength: size,
        checksum,
        maxSize: opts.maxSize,
      }),
    );
  } else {
    if (checksum && checksum.value === undefined) {
      throw new S3Error('InvalidRequest', 'x-amz-trailer needs a STREAMING-…-TRAILER x-amz-content-sha256.');
    }
    size = contentLength;
    if (opts.maxSize !== undefined) {
      if (size !== undefined && size > opts.maxSize) throw new S3Error('EntityTooLarge');
      stages.push(new SizeLimit(opts.maxSize));
    }
    if (mode.kind === 'sha256') stages.push(sha256Verifier(mode.hex));
    if (checksum) stages.push(checksumVerifier(checksum.algorithm, checksum.value!));
  }
  const md5 = req.headers['content-md5'];
  if (md5 !== undefined && opts.contentMd5 !== 'caller') stages.push(contentMd5Verifier(md5));

  if (stages.length === 0) return { body: req.body, size, mode };
  // pipeline() destroys every stage with the first error, so the last one
  // (what the caller reads) fails too; the callback only silences the
  // duplicate report.
  const streams: NodeJS.ReadWriteStream[] = stages;
  const last = stages[stages.length - 1];
  pipeline([req.body, ...streams], () => undefined);
  return { body: last, size, mode };
}

/**
 * Reads a small decoded body whole (the XML of DeleteObjects or
 * CreateBucket), refusing more than `maxBytes` as soon as it is exceeded.
 */
export async function readSmallBody(body: Readable, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      body.destroy();
      throw new S3Error('MaxMessageLengthExceeded', `Your request was too big: at most ${maxBytes} bytes are accepted here.`);
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}
