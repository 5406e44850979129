import { beforeEach, describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { ForbiddenError, JOIN_TOKEN_HEADER, SERVICE_ASSERTION_HEADER, UnauthorizedError } from '@mcos/common';
import type { HttpRequest } from '../common/http-request';
import { asReal } from '../testing/in-memory-repositories';
import { createTestCore, identityOf, join, TEST_JOIN_TOKEN, type TestCore } from '../testing/test-core';
import type { UserRepository } from '../users/user.repository';
import { AdminGuard, JoinTokenGuard, ServiceAssertionGuard } from './guards';

function contextFor(headers: HttpRequest['headers']): { context: ExecutionContext; request: HttpRequest } {
  const request: HttpRequest = { headers };
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  return { context, request };
}

describe('guards', () => {
  let core: TestCore;

  beforeEach(async () => {
    core = await createTestCore();
    await core.users.create('root', 'root-password', 'admin');
    await core.users.create('alice', 'alice-password', 'user');
  });

  describe('AdminGuard', () => {
    const bearer = async (username: string, password: string) => `Bearer ${(await core.users.login(username, password)).token}`;
    const sut = () => new AdminGuard(core.tokens, asReal<UserRepository>(core.repos.users));

    it('lets an admin through and records the claims', async () => {
      const { context, request } = contextFor({ authorization: await bearer('root', 'root-password') });
      await expect(sut().canActivate(context)).resolves.toBe(true);
      expect(request.user?.sub).toBe('root');
    });

    it('answers 401 without a token and for an expired one', async () => {
      await expect(sut().canActivate(contextFor({}).context)).rejects.toThrow(UnauthorizedError);
      const authorization = await bearer('root', 'root-password');
      core.clock.advance(core.config.tokenTtlSeconds * 1000);
      await expect(sut().canActivate(contextFor({ authorization }).context)).rejects.toThrow('Token expired');
    });

    it('answers 403 for a user token and 401 once the admin is deleted', async () => {
      await expect(sut().canActivate(contextFor({ authorization: await bearer('alice', 'alice-password') }).context)).rejects.toThrow(ForbiddenError);
      await core.users.create('root2', 'root-password', 'admin');
      const authorization = await bearer('root', 'root-password');
      await core.users.delete('root');
      await expect(sut().canActivate(contextFor({ authorization }).context)).rejects.toThrow('Token user no longer exists');
    });

    it('answers 401 once the admin\'s password was reset', async () => {
      const authorization = await bearer('root', 'root-password');
      await core.users.resetPassword('root', 'new-root-password');
      await expect(sut().canActivate(contextFor({ authorization }).context)).rejects.toThrow(/Token revoked/);
      await expect(sut().canActivate(contextFor({ authorization: await bearer('root', 'new-root-password') }).context)).resolves.toBe(true);
    });
  });

  describe('ServiceAssertionGuard', () => {
    const sut = () => new ServiceAssertionGuard(core.identities);

    it('names the agent whose assertion the request carries', async () => {
      await join(core, 'a');
      const { context, request } = contextFor({ [SERVICE_ASSERTION_HEADER]: identityOf('a').assertion(core.clock.now()) });
      expect(sut().canActivate(context)).toBe(true);
      expect(request.service).toBe('a');
    });

    it('refuses an unknown issuer, a forged assertion and no header at all', async () => {
      await join(core, 'a');
      expect(() => sut().canActivate(contextFor({ [SERVICE_ASSERTION_HEADER]: identityOf('nobody').assertion(core.clock.now()) }).context)).toThrow(
        UnauthorizedError,
      );
      expect(() => sut().canActivate(contextFor({ [SERVICE_ASSERTION_HEADER]: identityOf('mallory').assertion(core.clock.now(), 'a') }).context)).toThrow(
        /invalid service assertion signature/,
      );
      // The old shared credential is accepted for nothing.
      expect(() => sut().canActivate(contextFor({ 'x-mcos-cluster-credential': 'anything' }).context)).toThrow(UnauthorizedError);
      expect(() => sut().canActivate(contextFor({}).context)).toThrow(UnauthorizedError);
    });
  });

  it('JoinTokenGuard checks the join token header', () => {
    const sut = new JoinTokenGuard(core.config);
    expect(sut.canActivate(contextFor({ [JOIN_TOKEN_HEADER]: TEST_JOIN_TOKEN }).context)).toBe(true);
    expect(() => sut.canActivate(contextFor({ [JOIN_TOKEN_HEADER]: 'nope' }).context)).toThrow('Missing or invalid join token (x-mcos-join-token)');
  });
});
