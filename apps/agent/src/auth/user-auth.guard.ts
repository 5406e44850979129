import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { Clock, extractBearerToken, TokenClaims, UnauthorizedError, UnavailableError, UserTokenVerifier } from '@mcos/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';

interface AuthedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: TokenClaims;
}

/**
 * The user API's gate: 503 "cluster not ready" until the agent holds a ring,
 * then a bearer token verified locally against the verified cluster map (no
 * call to the controller, so users keep working while it is down): the key
 * its `kid` names among the map's token keys, its expiry, and the user's
 * token generation (a deleted user or a reset password revokes it with the
 * next map). Signatures already checked are remembered by token.
 */
@Injectable()
export class UserAuthGuard implements CanActivate {
  private readonly verifier = new UserTokenVerifier();

  constructor(
    private readonly map: ClusterMapService,
    private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const map = this.map.current;
    if (!this.map.ready || !map) throw new UnavailableError('cluster not ready: this agent holds no ring yet');
    const token = extractBearerToken(req.headers.authorization);
    if (!token) throw new UnauthorizedError('missing bearer token: log in with POST /v1/auth/login');
    req.user = this.verifier.verify(token, map, this.clock.now());
    return true;
  }
}

/** The account (user name) of the verified token. */
export const Account = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const user = ctx.switchToHttp().getRequest<AuthedRequest>().user;
  if (!user) throw new UnauthorizedError('not authenticated');
  return user.sub;
});
