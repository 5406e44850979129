import { createHash, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '../xml/s3-error';
import { createChecksummer, type ChecksumAlgorithm } from './checksums';

/**
 * A pass-through that digests the bytes on their way and, at the end, fails
 * the stream with `error` when the digest is not `expected`. The failure is
 * raised in flush(), before 'end' is emitted, so a consumer that waits for
 * the end (as the data path does before it commits an object) never takes a
 * body that did not match. Memory is one digest state whatever the size.
 */
export class DigestVerifier extends Transform {
  constructor(
    private readonly digest: { update(chunk: Uint8Array): void; final(): Buffer },
    private readonly expected: Buffer,
    private readonly error: () => S3Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.digest.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const actual = this.digest.final();
    if (actual.length === this.expected.length && timingSafeEqual(actual, this.expected)) cb();
    else cb(this.error());
  }
}

/** Holds a body to the hex SHA-256 signed as x-amz-content-sha256. */
export function sha256Verifier(expectedHex: string): DigestVerifier {
  const h = createHash('sha256');
  return new DigestVerifier(
    { update: (c) => h.update(c), final: () => h.digest() },
    Buffer.from(expectedHex, 'hex'),
    () => new S3Error('XAmzContentSHA256Mismatch', undefined, undefined, { ClientComputedContentSHA256: expectedHex }),
  );
}

/** Holds a body to a Content-MD5 header (base64 of the 16-byte MD5). */
export function contentMd5Verifier(contentMd5: string): DigestVerifier {
  const expected = parseContentMd5(contentMd5);
  const h = createHash('md5');
  return new DigestVerifier({ update: (c) => h.update(c), final: () => h.digest() }, expected, () => new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.'));
}

/** Holds a body to an x-amz-checksum-* value (base64). */
export function checksumVerifier(algorithm: ChecksumAlgorithm, expectedBase64: string): DigestVerifier {
  const c = createChecksummer(algorithm);
  return new DigestVerifier(
    { update: (b) => c.update(b), final: () => Buffer.from(c.digestBase64(), 'base64') },
    Buffer.from(expectedBase64, 'base64'),
    () => new S3Error('BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`),
  );
}

/** Decodes a Content-MD5 header; anything but base64 of 16 bytes → InvalidDigest. */
export function parseContentMd5(value: string): Buffer {
  const v = value.trim();
  const bytes = /^[A-Za-z0-9+/]{22}==$/.test(v) ? Buffer.from(v, 'base64') : undefined;
  if (!bytes || bytes.length !== 16) throw new S3Error('InvalidDigest');
  return bytes;
}

/**
 * Compares a Content-MD5 header with an MD5 the data path computed anyway
 * (hex), for doors that would rather not hash twice → BadDigest.
 */
export function checkContentMd5(contentMd5: string, md5Hex: string): void {
  const expected = parseContentMd5(contentMd5);
  const actual = Buffer.from(md5Hex, 'hex');
  if (actual.length !== 16 || !timingSafeEqual(expected, actual)) {
    throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
}
