import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import {
  checkTokenGeneration,
  extractBearerToken,
  ForbiddenError,
  JOIN_TOKEN_HEADER,
  secretsEqual,
  SERVICE_ASSERTION_HEADER,
  UnauthorizedError,
} from '@mcos/common';
import type { HttpRequest } from '../common/http-request';
import { ControllerConfig } from '../config/controller-config';
import { UserRepository } from '../users/user.repository';
import { ServiceIdentityService } from './service-identity.service';
import { TokenService } from './token.service';

/**
 * Admin routes: a valid bearer token of a user who still exists, is still
 * an admin and whose token generation is current (a deleted, demoted or
 * reset admin's token stops working here at once, even before it expires).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UserRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const { claims, user } = await verifyCurrentUser(request, this.tokens, this.users);
    if (user.role !== 'admin' || claims.role !== 'admin') throw new ForbiddenError('Admin role required');
    request.user = claims;
    return true;
  }
}

/**
 * The request's bearer token, verified, and the user it names as stored
 * now: the user still exists, is not being deleted, and the token's
 * generation is current (a reset or deleted user's token stops at once).
 */
export async function verifyCurrentUser(request: HttpRequest, tokens: TokenService, users: UserRepository) {
  const token = extractBearerToken(request.headers.authorization);
  if (!token) throw new UnauthorizedError('Missing bearer token (Authorization: Bearer <token>)');
  const claims = tokens.verify(token);
  const user = await users.findByName(claims.sub);
  if (!user || user.deletingAt !== undefined) throw new UnauthorizedError('Token user no longer exists');
  checkTokenGeneration(claims, { [user.username]: user.tokenGeneration });
  return { claims, user };
}

/**
 * Agent-facing routes: a service assertion addressed to the controller,
 * signed by the key the map carries for its issuer (not REMOVED, not
 * revoked); the issuer's name is kept on the request (`request.service`).
 */
@Injectable()
export class ServiceAssertionGuard implements CanActivate {
  constructor(private readonly identities: ServiceIdentityService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const assertion = request.headers[SERVICE_ASSERTION_HEADER];
    if (assertion === undefined) throw new UnauthorizedError(`Missing service assertion (${SERVICE_ASSERTION_HEADER})`);
    request.service = this.identities.verify(assertion).iss;
    return true;
  }
}

/** Registration: the join token from the config. */
@Injectable()
export class JoinTokenGuard implements CanActivate {
  constructor(private readonly config: ControllerConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    if (!secretsEqual(request.headers[JOIN_TOKEN_HEADER], this.config.joinToken)) {
      throw new UnauthorizedError(`Missing or invalid join token (${JOIN_TOKEN_HEADER})`);
    }
    return true;
  }
}
