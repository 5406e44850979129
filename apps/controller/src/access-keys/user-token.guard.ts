import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { UnauthorizedError } from '@mcos/common';
import { verifyCurrentUser } from '../auth/guards';
import { TokenService } from '../auth/token.service';
import type { HttpRequest } from '../common/http-request';
import { UserRepository } from '../users/user.repository';

/**
 * `/v1/me` routes: a valid bearer token of any role, checked like the
 * AdminGuard checks an admin's (the user still exists, is not being deleted,
 * and the token's generation is current), so a reset or deleted user's
 * token manages no keys.
 */
@Injectable()
export class UserTokenGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UserRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    request.user = (await verifyCurrentUser(request, this.tokens, this.users)).claims;
    return true;
  }
}

/** The user name of the token UserTokenGuard verified. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const user = context.switchToHttp().getRequest<HttpRequest>().user;
  if (!user) throw new UnauthorizedError('Not authenticated');
  return user.sub;
});
