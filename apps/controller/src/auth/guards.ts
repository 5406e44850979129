import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import {
  CLUSTER_CREDENTIAL_HEADER,
  extractBearerToken,
  ForbiddenError,
  JOIN_TOKEN_HEADER,
  secretsEqual,
  UnauthorizedError,
} from '@mcos/common';
import type { HttpRequest } from '../common/http-request';
import { ControllerConfig } from '../config/controller-config';
import { UserRepository } from '../users/user.repository';
import { ClusterSecretsService } from './cluster-secrets.service';
import { TokenService } from './token.service';

/**
 * Admin routes: a valid bearer token of a user who still exists and is
 * still an admin (a deleted or demoted admin's token stops working here at
 * once, even before it expires).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UserRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const token = extractBearerToken(request.headers.authorization);
    if (!token) throw new UnauthorizedError('Missing bearer token (Authorization: Bearer <token>)');
    const claims = this.tokens.verify(token);
    const user = await this.users.findByName(claims.sub);
    if (!user) throw new UnauthorizedError('Token user no longer exists');
    if (user.role !== 'admin' || claims.role !== 'admin') throw new ForbiddenError('Admin role required');
    request.user = claims;
    return true;
  }
}

/** Agent-facing routes: the cluster credential header. */
@Injectable()
export class ClusterCredentialGuard implements CanActivate {
  constructor(private readonly secrets: ClusterSecretsService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    if (!secretsEqual(request.headers[CLUSTER_CREDENTIAL_HEADER], this.secrets.clusterCredential)) {
      throw new UnauthorizedError(`Missing or invalid cluster credential (${CLUSTER_CREDENTIAL_HEADER})`);
    }
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
