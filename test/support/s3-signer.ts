import { createHash, createHmac } from 'node:crypto';
import { encodeAwsChunked } from '../../apps/agent/src/s3/testing/aws-chunked-encoder';
import { referenceSigner } from '../../apps/agent/src/s3/testing/reference-signer';
import type { S3Key } from './s3-cluster';

/** An S3 answer as the wire gave it. */
export interface S3Answer {
  status: number;
  headers: Headers;
  body: string;
  /** `<Code>` of an S3 error document, if any. */
  code?: string;
}

export interface SignedRequest {
  method: string;
  /** Already encoded, as it goes on the wire, e.g. `/bucket/a%20b`. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
  /** x-amz-content-sha256 (default: the body's SHA-256). */
  payloadHash?: string;
  /** The signer's clock (default now). */
  date?: Date;
}

/**
 * One request signed by AWS's reference SigV4 signer (@smithy/signature-v4,
 * what the SDK uses), sent with fetch: for requests no client sends
 * (tampered chunks, skewed clocks, broken XML).
 */
export async function signedFetch(s3Url: string, key: S3Key, req: SignedRequest): Promise<S3Answer> {
  const url = new URL(s3Url);
  const body = req.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-content-sha256': req.payloadHash ?? createHash('sha256').update(body).digest('hex'),
    ...req.headers,
  };
  const signer = referenceSigner('us-east-1', { accessKeyId: key.accessKeyId, secret: key.secretAccessKey, owner: '' });
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: req.path, query: req.query ?? {}, headers, body: undefined },
    { signingDate: req.date ?? new Date() },
  );
  return send(s3Url, req.method, req.path, req.query, signed.headers as Record<string, string>, body);
}

/**
 * A signed aws-chunked PUT (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), as
 * minio-go sends it; `tamper` changes the signature of chunk `tamper` (0-based)
 * after signing, the rest of the chain left as computed.
 */
export async function chunkedPut(s3Url: string, key: S3Key, path: string, chunks: Buffer[], opts: { tamper?: number } = {}): Promise<S3Answer> {
  const url = new URL(s3Url);
  const date = new Date();
  const decodedLength = chunks.reduce((n, c) => n + c.length, 0);
  // Signatures are fixed-width hex: the encoded length is known before signing.
  const placeholder = { signingKey: Buffer.alloc(32), amzDate: '', scope: '', seedSignature: '0'.repeat(64) };
  const encodedLength = encodeAwsChunked(chunks, { signing: placeholder }).length;
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(decodedLength),
    'content-length': String(encodedLength),
  };
  const signer = referenceSigner('us-east-1', { accessKeyId: key.accessKeyId, secret: key.secretAccessKey, owner: '' });
  const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query: {}, headers, body: undefined }, { signingDate: date });
  const signedHeaders = signed.headers as Record<string, string>;
  const amzDate = signedHeaders['x-amz-date'];
  const seedSignature = /Signature=([0-9a-f]{64})/.exec(signedHeaders.authorization)![1];
  const day = amzDate.slice(0, 8);
  let signingKey: Buffer = createHmac('sha256', `AWS4${key.secretAccessKey}`).update(day).digest();
  for (const part of ['us-east-1', 's3', 'aws4_request']) signingKey = createHmac('sha256', signingKey).update(part).digest();
  let body = encodeAwsChunked(chunks, { signing: { signingKey, amzDate, scope: `${day}/us-east-1/s3/aws4_request`, seedSignature } });
  if (opts.tamper !== undefined) {
    const text = body.toString('latin1');
    let at = -1;
    for (let i = 0; i <= opts.tamper; i++) at = text.indexOf('chunk-signature=', at + 1);
    const sigAt = at + 'chunk-signature='.length;
    const flipped = text[sigAt] === '0' ? '1' : '0';
    body = Buffer.concat([body.subarray(0, sigAt), Buffer.from(flipped), body.subarray(sigAt + 1)]);
  }
  return send(s3Url, 'PUT', path, {}, signedHeaders, body);
}

async function send(s3Url: string, method: string, path: string, query: Record<string, string> | undefined, headers: Record<string, string>, body: Buffer): Promise<S3Answer> {
  const search = new URLSearchParams(query ?? {}).toString().replace(/\+/g, '%20');
  const wire: Record<string, string> = {};
  // fetch sets Host and Content-Length itself (the same values as signed).
  for (const [name, value] of Object.entries(headers)) if (!['host', 'content-length'].includes(name.toLowerCase()) && value !== undefined) wire[name] = value;
  const res = await fetch(`${s3Url}${path}${search ? `?${search}` : ''}`, {
    method,
    headers: wire,
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] };
}
