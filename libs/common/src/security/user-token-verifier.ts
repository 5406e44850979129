import type { KeyObject } from 'node:crypto';
import { type TokenClaims, tokenKeyId, verifyToken } from '../auth/token';
import type { ClusterMap } from '../cluster/cluster-map.types';
import { UnauthorizedError } from '../errors/domain.error';
import { PublicKeyCache } from './ed25519-keys';

/** The parts of a (verified) cluster map that user tokens are checked against. */
export type UserTokenPolicy = Pick<ClusterMap, 'tokenKeys' | 'users'>;

/**
 * Checks what the signature alone cannot: the token's user still exists and
 * its generation is still accepted.
 *
 * @throws UnauthorizedError the user was deleted or the token revoked.
 */
export function checkTokenGeneration(claims: TokenClaims, users: Record<string, number> | undefined): void {
  const lowest = users && Object.prototype.hasOwnProperty.call(users, claims.sub) ? users[claims.sub] : undefined;
  if (lowest === undefined) throw new UnauthorizedError('Token user no longer exists');
  if (claims.gen === undefined || claims.gen < lowest) throw new UnauthorizedError('Token revoked (password reset or user re-created): log in again');
}

/**
 * Verifies user tokens against a cluster map: the key named by the token's
 * `kid` among the map's token keys, then expiry, then the user's generation.
 * Signatures already checked are remembered by token text (the key id is
 * re-checked on every use, so a key dropped from the map stops its tokens),
 * and the generation and expiry are checked on every call.
 */
export class UserTokenVerifier {
  private readonly keys = new PublicKeyCache(64);
  private readonly verified = new Map<string, { claims: TokenClaims; kid: string }>();
  private keyring?: { source: UserTokenPolicy['tokenKeys']; byKid: Map<string, KeyObject> };

  constructor(private readonly maxCached = 10_000) {}

  /** @throws UnauthorizedError malformed, unknown key, bad signature, expired, deleted user or revoked. */
  verify(token: string, policy: UserTokenPolicy, nowMs: number): TokenClaims {
    const byKid = this.keyringOf(policy);
    const cached = this.verified.get(token);
    if (cached && byKid.has(cached.kid)) {
      if (nowMs >= cached.claims.exp * 1000) throw new UnauthorizedError('Token expired');
      checkTokenGeneration(cached.claims, policy.users);
      return cached.claims;
    }
    const kid = tokenKeyId(token);
    const key = kid === undefined ? undefined : byKid.get(kid);
    if (!key || kid === undefined) throw new UnauthorizedError('Token signed by an unknown or retired key: log in again');
    const claims = verifyToken(token, key, nowMs);
    checkTokenGeneration(claims, policy.users);
    if (this.verified.size >= this.maxCached) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { claims, kid });
    return claims;
  }

  private keyringOf(policy: UserTokenPolicy): Map<string, KeyObject> {
    if (this.keyring && this.keyring.source === policy.tokenKeys) return this.keyring.byKid;
    const byKid = new Map<string, KeyObject>();
    for (const entry of policy.tokenKeys ?? []) {
      const key = this.keys.get(entry.publicKey);
      if (key) byKid.set(entry.kid, key);
    }
    this.keyring = { source: policy.tokenKeys, byKid };
    return byKid;
  }
}
