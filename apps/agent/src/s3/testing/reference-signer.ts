import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { S3Credential, S3CredentialStore } from '../auth/s3-credential-store';
import type { S3Request } from '../s3-request';

/**
 * Test support: signs requests with AWS's own SigV4 implementation
 * (@smithy/signature-v4, what the AWS SDK uses), so the verifier is checked
 * against the reference and not against itself.
 */

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Buffer {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** The hash constructor SignatureV4 takes, over node:crypto. */
class NodeSha256 {
  private h: Hash | Hmac;
  private readonly secret?: string | Buffer;
  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytes(secret);
    this.h = this.secret ? createHmac('sha256', this.secret) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.h.digest();
  }
  reset(): void {
    this.h = this.secret ? createHmac('sha256', this.secret) : createHash('sha256');
  }
}

export const TEST_KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', owner: 'alice' };

export class MapCredentialStore extends S3CredentialStore {
  readonly lookups: string[] = [];
  constructor(private readonly keys: Record<string, S3Credential>) {
    super();
  }
  async lookup(accessKeyId: string): Promise<S3Credential | undefined> {
    this.lookups.push(accessKeyId);
    return Object.hasOwn(this.keys, accessKeyId) ? this.keys[accessKeyId] : undefined;
  }
}

export function referenceSigner(region = 'us-east-1', key = TEST_KEY): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secret },
    region,
    service: 's3',
    sha256: NodeSha256,
    // S3 paths are signed as sent (encoded once), never encoded again.
    uriEscapePath: false,
  });
}

/** encodeURIComponent plus the characters SigV4 also escapes, as the AWS SDK does. */
export function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Encodes an object key for a path the way the AWS SDK does (each segment, `/` kept). */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(escapeUri).join('/');
}

export interface PlainRequest {
  method: string;
  host: string;
  /** Already encoded, as it goes on the wire. */
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
}

export function wireQuery(query: Record<string, string | string[] | null | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (v === null) parts.push(escapeUri(k));
    else for (const one of Array.isArray(v) ? v : [v]) parts.push(`${escapeUri(k)}=${escapeUri(one)}`);
  }
  return parts.join('&');
}

/** A signed request as the S3 door would see it. */
export function toS3Request(signed: { method: string; path: string; query?: Record<string, unknown>; headers: Record<string, string> }, body?: Buffer | Readable | string | Uint8Array): S3Request {
  if (typeof body === 'string') body = Buffer.from(body);
  else if (body instanceof Uint8Array && !Buffer.isBuffer(body)) body = Buffer.from(body);
  const headers: Record<string, string> = {};
  // A header without a value never reaches the wire (the SDK leaves some undefined).
  for (const [k, v] of Object.entries(signed.headers)) if (v !== undefined) headers[k.toLowerCase()] = v;
  return {
    method: signed.method,
    path: signed.path,
    query: wireQuery((signed.query ?? {}) as Record<string, string | string[]>),
    headers,
    body: body instanceof Readable ? body : Readable.from(body && (body as Buffer).length > 0 ? [body] : []),
  };
}

export async function signWithHeader(
  req: PlainRequest,
  opts: { signer?: SignatureV4; date?: Date; payloadHash?: string; unsignableHeaders?: Set<string> } = {},
): Promise<S3Request> {
  const signer = opts.signer ?? referenceSigner();
  const headers: Record<string, string> = { host: req.host, ...(req.headers ?? {}) };
  if (opts.payloadHash) headers['x-amz-content-sha256'] = opts.payloadHash;
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: req.host, path: req.path, query: req.query ?? {}, headers, body: undefined },
    { signingDate: opts.date ?? new Date(), unsignableHeaders: opts.unsignableHeaders },
  );
  return toS3Request(signed as never, req.body instanceof Readable ? req.body : req.body);
}

export async function presign(req: PlainRequest, expiresIn: number, opts: { signer?: SignatureV4; date?: Date } = {}): Promise<S3Request> {
  const signer = opts.signer ?? referenceSigner();
  // As @aws-sdk/s3-request-presigner does: S3 presigned URLs sign UNSIGNED-PAYLOAD (hoisted into the query).
  const headers: Record<string, string> = { host: req.host, ...(req.headers ?? {}), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  const signed = await signer.presign(
    { method: req.method, protocol: 'http:', hostname: req.host, path: req.path, query: req.query ?? {}, headers, body: undefined },
    { expiresIn, signingDate: opts.date ?? new Date() },
  );
  return toS3Request(signed as never, req.body instanceof Readable ? req.body : req.body);
}
