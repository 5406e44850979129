import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { AdminGuard, JoinTokenGuard, ServiceAssertionGuard } from './guards';

export const BEARER_SCHEME = 'bearer';
export const SERVICE_ASSERTION_SCHEME = 'service-assertion';
export const JOIN_TOKEN_SCHEME = 'join-token';

/** Admin token required: 401 without or with a bad token, 403 for a non-admin. */
export function AdminOnly(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(AdminGuard), ApiBearerAuth(BEARER_SCHEME), ApiErrors(401, 403));
}

/** A service assertion by a registered agent required (request.service names it). */
export function AgentOnly(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(ServiceAssertionGuard), ApiSecurity(SERVICE_ASSERTION_SCHEME), ApiErrors(401));
}

/** Join token required (agent registration). */
export function JoinTokenRequired(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(JoinTokenGuard), ApiSecurity(JOIN_TOKEN_SCHEME), ApiErrors(401));
}
