import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters; recorded in every hash so they can change later. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  keyLength: number;
}

export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 16384, r: 8, p: 1, keyLength: 32 };

/**
 * Hashes a password with scrypt and a random 16-byte salt. Format:
 * `scrypt$N=16384,r=8,p=1$<salt base64url>$<hash base64url>`.
 */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, params);
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/**
 * True when `password` matches `stored` (a hashPassword result); compares in
 * constant time. A malformed stored hash never matches.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, { ...parsed.params, keyLength: parsed.hash.length });
  return actual.length === parsed.hash.length && timingSafeEqual(actual, parsed.hash);
}

function parseHash(stored: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | undefined {
  const match = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!match) return undefined;
  const [, n, r, p, salt, hash] = match as unknown as [string, string, string, string, string, string];
  const hashBytes = Buffer.from(hash, 'base64url');
  if (hashBytes.length < 16) return undefined;
  return {
    params: { N: Number(n), r: Number(r), p: Number(p), keyLength: hashBytes.length },
    salt: Buffer.from(salt, 'base64url'),
    hash: hashBytes,
  };
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const maxmem = 256 * params.N * params.r + 1024 * 1024;
    scrypt(password.normalize('NFC'), salt, params.keyLength, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}
