import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random secret (32 bytes, base64url), e.g. the cluster credential. */
export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Constant-time comparison of a presented secret with the expected one.
 * Both sides are hashed first so that lengths leak nothing either.
 */
export function secretsEqual(presented: string | string[] | undefined, expected: string): boolean {
  const value = Array.isArray(presented) ? presented[0] : presented;
  if (typeof value !== 'string' || expected.length === 0) return false;
  const a = createHash('sha256').update(value).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
