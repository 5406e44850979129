import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { UnauthorizedError } from '../errors/domain.error';

export type UserRole = 'admin' | 'user';

export const USER_ROLES: readonly UserRole[] = ['admin', 'user'];

/** What a user token says. `iat` and `exp` are seconds since the epoch (JWT). */
export interface TokenClaims {
  sub: string;
  role: UserRole;
  iat: number;
  exp: number;
  /**
   * The user's token generation when it was issued: the signed cluster map
   * names the lowest generation still accepted per user (see
   * verifyUserToken), so a password reset or a deletion revokes it.
   */
  gen?: number;
}

export interface TokenKeyPair {
  /** PEM (SPKI); goes into the cluster map so agents verify locally. */
  publicKeyPem: string;
  /** PEM (PKCS#8); stays with the controller. */
  privateKeyPem: string;
}

/** The only header this format uses: a JWT signed with Ed25519. */
const HEADER = { alg: 'EdDSA', typ: 'JWT' } as const;
const ENCODED_HEADER = base64url(JSON.stringify(HEADER));

export function generateTokenKeyPair(): TokenKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * Signs `claims` as a compact JWT (`header.payload.signature`, base64url,
 * alg EdDSA with an Ed25519 key). `kid` names the key in the header, so
 * verifiers can pick it among several while keys rotate.
 */
export function signToken(claims: TokenClaims, privateKeyPem: string | KeyObject, kid?: string): string {
  const key = typeof privateKeyPem === 'string' ? createPrivateKey(privateKeyPem) : privateKeyPem;
  const header = kid === undefined ? ENCODED_HEADER : base64url(JSON.stringify({ ...HEADER, kid }));
  const signingInput = `${header}.${base64url(JSON.stringify(claims))}`;
  const signature = sign(null, Buffer.from(signingInput), key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/**
 * Verifies a token made by signToken and returns its claims.
 *
 * @param nowMs current time (ms); the token is expired when `now >= exp`.
 * @throws UnauthorizedError malformed token, wrong algorithm, bad signature,
 *   invalid claims, or expired — the message says which.
 */
export function verifyToken(token: string, publicKeyPem: string | KeyObject, nowMs: number): TokenClaims {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || parts.some((p) => p.length === 0 || !/^[A-Za-z0-9_-]+$/.test(p))) {
    throw new UnauthorizedError('Malformed token: expected three base64url parts');
  }
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const header = parseJson(encodedHeader, 'header') as { alg?: unknown };
  if (header.alg !== HEADER.alg) throw new UnauthorizedError('Malformed token: unsupported algorithm');
  let key: KeyObject;
  try {
    key = typeof publicKeyPem === 'string' ? createPublicKey(publicKeyPem) : publicKeyPem;
  } catch (cause) {
    // A bad key is our configuration's fault, not the caller's; still refuse the token.
    throw new UnauthorizedError('Token cannot be verified: invalid verification key', { cause });
  }
  const signature = Buffer.from(encodedSignature, 'base64url');
  const valid = verify(null, Buffer.from(`${encodedHeader}.${encodedPayload}`), key, signature);
  if (!valid) throw new UnauthorizedError('Invalid token signature');
  const claims = parseJson(encodedPayload, 'payload');
  if (!isTokenClaims(claims)) throw new UnauthorizedError('Malformed token: invalid claims');
  if (nowMs >= claims.exp * 1000) throw new UnauthorizedError('Token expired');
  const result: TokenClaims = { sub: claims.sub, role: claims.role, iat: claims.iat, exp: claims.exp };
  if (claims.gen !== undefined) result.gen = claims.gen;
  return result;
}

/**
 * The `kid` of a token's header (undefined when it has none); the token is
 * not verified here.
 *
 * @throws UnauthorizedError when the header is not base64url JSON.
 */
export function tokenKeyId(token: string): string | undefined {
  const header = typeof token === 'string' ? token.slice(0, Math.max(0, token.indexOf('.'))) : '';
  if (header.length === 0 || header.length > 512 || !/^[A-Za-z0-9_-]+$/.test(header)) {
    throw new UnauthorizedError('Malformed token: expected three base64url parts');
  }
  const kid = (parseJson(header, 'header') as { kid?: unknown }).kid;
  return typeof kid === 'string' ? kid : undefined;
}

/**
 * The token of an `Authorization: Bearer <token>` header, or undefined when
 * the header is absent or uses another scheme.
 */
export function extractBearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match ? match[1] : undefined;
}

function parseJson(part: string, what: string): unknown {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) throw new Error('not an object');
    return value;
  } catch (cause) {
    throw new UnauthorizedError(`Malformed token: ${what} is not JSON`, { cause });
  }
}

function isTokenClaims(value: unknown): value is TokenClaims {
  const c = value as Partial<TokenClaims>;
  return (
    typeof c.sub === 'string' &&
    c.sub.length > 0 &&
    (c.role === 'admin' || c.role === 'user') &&
    Number.isFinite(c.iat) &&
    Number.isFinite(c.exp) &&
    (c.gen === undefined || Number.isSafeInteger(c.gen))
  );
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
