import { createHmac, timingSafeEqual } from 'node:crypto';
import type { S3Request } from '../s3-request';
import { S3Error } from '../xml/s3-error';
import { canonicalRequest, stringToSign } from './canonical-request';
import { S3CredentialStore } from './s3-credential-store';
import { parseSigV4, type ParsedSigV4 } from './sigv4-parse';
import { SigningKeyCache } from './signing-key-cache';

/** Everything the aws-chunked decoder needs to check a signed stream's chunk signatures. */
export interface ChunkSigningContext {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  /** The request's own signature, which the first chunk's signature chains from. */
  seedSignature: string;
}

/** A request whose signature checked out. */
export interface VerifiedRequest {
  accessKeyId: string;
  owner: string;
  kind: 'header' | 'presigned';
  /**
   * The payload hash the signature covers: x-amz-content-sha256's value
   * (`UNSIGNED-PAYLOAD`, a hex SHA-256, or a `STREAMING-…` mode). The body
   * decoder holds the body to it.
   */
  payloadHash: string;
  signing: ChunkSigningContext;
}

export interface SigV4VerifierOptions {
  credentials: S3CredentialStore;
  /** Epoch ms; injected so tests can drive time. */
  now?: () => number;
  /** Largest accepted difference between the request's time and ours (header auth). */
  maxSkewMs?: number;
  keyCache?: SigningKeyCache;
}

export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

/** x-amz-* headers present but not signed: S3 wants every one signed, so nobody can add metadata to a signed request. */
function unsignedAmzHeaders(req: S3Request, signed: readonly string[]): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name.startsWith('x-amz-') && !signed.includes(name)) out.push(name);
  }
  return out;
}

/**
 * Verifies AWS Signature Version 4 (Authorization header or presigned URL)
 * for S3. Any region in the scope is accepted. Header-signed requests must be
 * within 15 minutes of our clock; presigned URLs are held to their own
 * X-Amz-Date + X-Amz-Expires instead. Every failure is an S3Error; the
 * signature comparison is constant-time.
 */
export class SigV4Verifier {
  private readonly credentials: S3CredentialStore;
  private readonly now: () => number;
  private readonly maxSkewMs: number;
  private readonly keyCache: SigningKeyCache;

  constructor(opts: SigV4VerifierOptions) {
    this.credentials = opts.credentials;
    this.now = opts.now ?? Date.now;
    this.maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
    this.keyCache = opts.keyCache ?? new SigningKeyCache();
  }

  async verify(req: S3Request): Promise<VerifiedRequest> {
    const auth = parseSigV4(req);
    this.checkTime(auth);
    const payloadHash = this.payloadHash(req, auth);

    const unsigned = unsignedAmzHeaders(req, auth.signedHeaders);
    if (unsigned.length > 0) {
      throw new S3Error('AccessDenied', `There were headers present in the request which were not signed: ${unsigned.sort().join(', ')}`);
    }

    const credential = await this.credentials.lookup(auth.credential.accessKeyId);
    if (!credential) {
      throw new S3Error('InvalidAccessKeyId', undefined, undefined, { AWSAccessKeyId: auth.credential.accessKeyId });
    }
    const { date, region, service, scope } = auth.credential;
    const signingKey = this.keyCache.get(credential.secret, date, region, service);
    const canonical = canonicalRequest({
      method: req.method,
      rawPath: req.path,
      params: auth.params,
      headers: req.headers,
      signedHeaders: auth.signedHeaders,
      payloadHash,
      omitParam: auth.kind === 'presigned' ? 'X-Amz-Signature' : undefined,
    });
    const toSign = stringToSign(auth.amzDate, scope, canonical);
    const expected = createHmac('sha256', signingKey).update(toSign).digest();
    if (!timingSafeEqual(expected, Buffer.from(auth.signature, 'hex'))) {
      throw new S3Error('SignatureDoesNotMatch', undefined, undefined, {
        AWSAccessKeyId: auth.credential.accessKeyId,
        StringToSign: toSign,
        CanonicalRequest: canonical,
      });
    }
    return {
      accessKeyId: auth.credential.accessKeyId,
      owner: credential.owner,
      kind: auth.kind,
      payloadHash,
      signing: { signingKey, amzDate: auth.amzDate, scope, seedSignature: auth.signature },
    };
  }

  private checkTime(auth: ParsedSigV4): void {
    const now = this.now();
    if (auth.kind === 'header') {
      if (Math.abs(now - auth.timeMs) > this.maxSkewMs) {
        throw new S3Error('RequestTimeTooSkewed', undefined, undefined, {
          RequestTime: auth.amzDate,
          ServerTime: new Date(now).toISOString(),
          MaxAllowedSkewMilliseconds: String(this.maxSkewMs),
        });
      }
      return;
    }
    // Presigned URLs carry no skew check (they are meant to be used later),
    // only their own validity window; one dated far ahead is not valid yet.
    if (auth.timeMs - now > this.maxSkewMs) throw new S3Error('AccessDenied', 'Request is not valid yet');
    if (now > auth.timeMs + auth.expiresSeconds! * 1000) {
      throw new S3Error('AccessDenied', 'Request has expired', undefined, {
        Expires: new Date(auth.timeMs + auth.expiresSeconds! * 1000).toISOString(),
        ServerTime: new Date(now).toISOString(),
      });
    }
  }

  private payloadHash(req: S3Request, auth: ParsedSigV4): string {
    const header = req.headers['x-amz-content-sha256'];
    if (header !== undefined) return header.trim();
    if (auth.kind === 'presigned') {
      // The AWS presigners hoist X-Amz-Content-Sha256 into the query; a URL without it is unsigned.
      return auth.params.find((p) => p.name === 'X-Amz-Content-Sha256')?.value.trim() ?? 'UNSIGNED-PAYLOAD';
    }
    throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
}
