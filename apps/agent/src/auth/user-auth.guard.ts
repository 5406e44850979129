import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
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
  constructor(private readonly map: ClusterMapService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const publicKey = this.map.current?.tokenPublicKey;
    if (!this.map.ready || !publicKey) throw new UnavailableError('cluster not ready: this agent holds no ring yet');
    const token = extractBearerToken(req.headers.authorization);
    if (!token) throw new UnauthorizedError('missing bearer token: log in with POST /v1/auth/login');
    req.user = verifyToken(token, publicKey, Date.now());
    return true;
  }
}

/** The account (user name) of the verified token. */
export const Account = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const user = ctx.switchToHttp().getRequest<AuthedRequest>().user;
  if (!user) throw new UnauthorizedError('not authenticated');
  return user.sub;
});
