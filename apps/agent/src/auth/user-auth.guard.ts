import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { createPublicKey, KeyObject } from 'node:crypto';
import { extractBearerToken, TokenClaims, UnauthorizedError, UnavailableError, verifyToken } from '@mcos/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';

interface AuthedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: TokenClaims;
}

/**
 * The user API's gate: 503 "cluster not ready" until the agent holds a ring,
 * then a bearer token verified locally with the cluster map's public key (no
 * call to the controller, so users keep working while it is down).
 */
@Injectable()
export class UserAuthGuard implements CanActivate {
  /** The parsed public key, re-parsed only when the map brings another one. */
  private key?: { pem: string; object: KeyObject };
  /** Tokens whose signature was already checked with `key`; expiry is still checked on every request. */
  private readonly verified = new Map<string, TokenClaims>();

  constructor(private readonly map: ClusterMapService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const publicKey = this.map.current?.tokenPublicKey;
    if (!this.map.ready || !publicKey) throw new UnavailableError('cluster not ready: this agent holds no ring yet');
    const token = extractBearerToken(req.headers.authorization);
    if (!token) throw new UnauthorizedError('missing bearer token: log in with POST /v1/auth/login');
    req.user = this.verify(token, publicKey);
    return true;
  }

  private verify(token: string, pem: string): TokenClaims {
    if (this.key?.pem !== pem) {
      this.key = { pem, object: createPublicKey(pem) };
      this.verified.clear();
    }
    const now = Date.now();
    const cached = this.verified.get(token);
    if (cached && cached.exp * 1000 > now) return cached;
    const claims = verifyToken(token, this.key.object, now);
    if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, claims);
    return claims;
  }
}

/** Verified tokens remembered (oldest forgotten first). */
const VERIFIED_TOKENS_KEPT = 10_000;

/** The account (user name) of the verified token. */
export const Account = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const user = ctx.switchToHttp().getRequest<AuthedRequest>().user;
  if (!user) throw new UnauthorizedError('not authenticated');
  return user.sub;
});
