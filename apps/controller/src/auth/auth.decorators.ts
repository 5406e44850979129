import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { AdminGuard, ClusterCredentialGuard, JoinTokenGuard } from './guards';

export const BEARER_SCHEME = 'bearer';
export const CLUSTER_CREDENTIAL_SCHEME = 'cluster-credential';
export const JOIN_TOKEN_SCHEME = 'join-token';

/** Admin token required: 401 without or with a bad token, 403 for a non-admin. */
export function AdminOnly(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(AdminGuard), ApiBearerAuth(BEARER_SCHEME), ApiErrors(401, 403));
}

/** Cluster credential required (agents). */
export function ClusterCredentialRequired(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(ClusterCredentialGuard), ApiSecurity(CLUSTER_CREDENTIAL_SCHEME), ApiErrors(401));
}

/** Join token required (agent registration). */
export function JoinTokenRequired(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(JoinTokenGuard), ApiSecurity(JOIN_TOKEN_SCHEME), ApiErrors(401));
}
