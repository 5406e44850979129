/**
 * SigV4 for the data benchmark's load generator (`bench:data -- --api s3`):
 * what an S3 client pays per request, no more. The derived signing key is
 * cached per day, as SDKs do; each request costs one SHA-256 of its
 * canonical request and one HMAC (plus the body's SHA-256 when it is signed).
 * Streaming bodies are aws-chunked with every chunk signed
 * (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), as minio-go and restic send them.
 */
import { createHash, createHmac } from 'node:crypto';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_PAYLOAD = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
const REGION = 'us-east-1';

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** `20261205T041500Z` */
export function amzDateOf(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export interface SignedHeaders {
  headers: Record<string, string>;
  /** What a streamed body's first chunk signature chains from. */
  seedSignature: string;
  signingKey: Buffer;
  amzDate: string;
  scope: string;
}

export class S3RequestSigner {
  private day = '';
  private key: Buffer = Buffer.alloc(0);

  constructor(private readonly credentials: S3Credentials) {}

  private signingKey(day: string): Buffer {
    if (day !== this.day) {
      let k: Buffer = createHmac('sha256', `AWS4${this.credentials.secretAccessKey}`).update(day).digest();
      for (const part of [REGION, 's3', 'aws4_request']) k = createHmac('sha256', k).update(part).digest();
      this.day = day;
      this.key = k;
    }
    return this.key;
  }

  /**
   * Headers of one request: `path` is already encoded (as on the wire), no
   * query. `extra` headers are signed too (lower-case names).
   */
  sign(method: string, host: string, path: string, payloadHash: string, extra: Record<string, string> = {}, now = new Date()): SignedHeaders {
    const amzDate = amzDateOf(now);
    const day = amzDate.slice(0, 8);
    const scope = `${day}/${REGION}/s3/aws4_request`;
    const all: Record<string, string> = { ...extra, host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
    const names = Object.keys(all).sort();
    const canonical = [method, path, '', ...names.map((n) => `${n}:${all[n].trim()}`), '', names.join(';'), payloadHash].join('\n');
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
    const signingKey = this.signingKey(day);
    const signature = createHmac('sha256', signingKey).update(toSign).digest('hex');
    const headers: Record<string, string> = { ...all, authorization: `AWS4-HMAC-SHA256 Credential=${this.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
    delete headers.host;
    return { headers, seedSignature: signature, signingKey, amzDate, scope };
  }
}

/** The framed length of an aws-chunked body of `size` bytes in chunks of `chunkSize`, signed. */
export function awsChunkedLength(size: number, chunkSize: number): number {
  const frame = (n: number) => n.toString(16).length + ';chunk-signature='.length + 64 + 2 + n + 2;
  const full = Math.floor(size / chunkSize);
  const rest = size % chunkSize;
  return full * frame(chunkSize) + (rest > 0 ? frame(rest) : 0) + frame(0);
}

/** Signs chunk after chunk, chained from the request's seed signature. */
export class ChunkSigner {
  private previous: string;

  constructor(private readonly signed: SignedHeaders) {
    this.previous = signed.seedSignature;
  }

  /** `<hex size>;chunk-signature=<sig>\r\n<data>\r\n` (the final chunk is empty). */
  frame(data: Buffer): Buffer[] {
    const s = this.signed;
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${this.previous}\n${EMPTY_SHA256}\n${sha256Hex(data)}`;
    this.previous = createHmac('sha256', s.signingKey).update(toSign).digest('hex');
    const head = Buffer.from(`${data.length.toString(16)};chunk-signature=${this.previous}\r\n`);
    return data.length > 0 ? [head, data, Buffer.from('\r\n')] : [head, Buffer.from('\r\n')];
  }
}
