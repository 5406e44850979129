import { crc32, crc32c } from '@node-rs/crc32';
import { createHash, type Hash } from 'node:crypto';
import { S3Error } from '../xml/s3-error';

/** The flexible-checksum algorithms S3 clients send as x-amz-checksum-<name>. */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { crc32: 4, crc32c: 4, sha1: 20, sha256: 32 };
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** An incremental checksum whose result is the base64 value S3 exchanges. */
export interface Checksummer {
  readonly algorithm: ChecksumAlgorithm;
  update(chunk: Uint8Array): void;
  digestBase64(): string;
}

class CrcChecksummer implements Checksummer {
  private state = 0;
  constructor(
    readonly algorithm: 'crc32' | 'crc32c',
    private readonly fn: (input: Uint8Array, initial?: number) => number,
  ) {}
  update(chunk: Uint8Array): void {
    this.state = this.fn(chunk, this.state);
  }
  digestBase64(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.state >>> 0);
    return out.toString('base64');
  }
}

class HashChecksummer implements Checksummer {
  private readonly hash: Hash;
  constructor(readonly algorithm: 'sha1' | 'sha256') {
    this.hash = createHash(algorithm);
  }
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }
  digestBase64(): string {
    return this.hash.digest('base64');
  }
}

export function createChecksummer(algorithm: ChecksumAlgorithm): Checksummer {
  switch (algorithm) {
    case 'crc32':
      return new CrcChecksummer('crc32', crc32);
    case 'crc32c':
      return new CrcChecksummer('crc32c', crc32c);
    default:
      return new HashChecksummer(algorithm);
  }
}

/** `x-amz-checksum-crc32` → `crc32`; an x-amz-checksum-* this door does not know → NotImplemented. */
export function checksumAlgorithmOf(headerName: string): ChecksumAlgorithm {
  const name = headerName.toLowerCase().slice('x-amz-checksum-'.length);
  if ((CHECKSUM_ALGORITHMS as readonly string[]).includes(name)) return name as ChecksumAlgorithm;
  throw new S3Error('NotImplemented', `The checksum algorithm of ${headerName} is not supported; use CRC32, CRC32C, SHA1 or SHA256.`);
}

/** Checks a client-given checksum value has the shape of its algorithm's digest. */
export function validateChecksumValue(algorithm: ChecksumAlgorithm, value: string): string {
  const bytes = DIGEST_BYTES[algorithm];
  if (value.length !== Math.ceil(bytes / 3) * 4 || !BASE64.test(value) || Buffer.from(value, 'base64').length !== bytes) {
    throw new S3Error('InvalidRequest', `Value for x-amz-checksum-${algorithm} header is invalid.`);
  }
  return value;
}

/** The checksum a request declares: in a header now, or in the trailer later. */
export interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm;
  /** The value from the header; undefined when it comes in the trailer. */
  value?: string;
}

/**
 * Reads which checksum the request carries: one x-amz-checksum-* header,
 * or one declared by x-amz-trailer. More than one → InvalidRequest (S3 checks
 * exactly one); an unknown algorithm → NotImplemented rather than an
 * unverified upload.
 */
export function expectedChecksum(headers: Readonly<Record<string, string | undefined>>): ExpectedChecksum | undefined {
  const found: ExpectedChecksum[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !name.startsWith('x-amz-checksum-')) continue;
    if (name === 'x-amz-checksum-type' || name === 'x-amz-checksum-algorithm') continue;
    const algorithm = checksumAlgorithmOf(name);
    found.push({ algorithm, value: validateChecksumValue(algorithm, value.trim()) });
  }
  const trailer = headers['x-amz-trailer'];
  if (trailer !== undefined) {
    for (const raw of trailer.split(',')) {
      const name = raw.trim().toLowerCase();
      if (name === '') continue;
      if (!name.startsWith('x-amz-checksum-')) throw new S3Error('InvalidRequest', `The trailer ${name} is not supported; only x-amz-checksum-* trailers are.`);
      found.push({ algorithm: checksumAlgorithmOf(name) });
    }
  }
  if (found.length > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum types are not allowed.');
  const declared = headers['x-amz-sdk-checksum-algorithm'];
  if (found.length === 1 && declared !== undefined && declared.trim().toLowerCase() !== found[0].algorithm) {
    throw new S3Error('InvalidRequest', `x-amz-sdk-checksum-algorithm ${declared} does not match the checksum sent (${found[0].algorithm}).`);
  }
  return found[0];
}
