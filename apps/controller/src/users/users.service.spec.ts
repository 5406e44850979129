import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError, NotFoundError, TooManyRequestsError, UnauthorizedError, verifyToken } from '@mcos/common';
import { createTestCore, type TestCore } from '../testing/test-core';

describe('UsersService', () => {
  let core: TestCore;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-users-spec-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    core = await createTestCore({ tokenTtlSeconds: 600 });
  });

  it('creates the bootstrap admin once, storing only a scrypt hash', async () => {
    await core.users.bootstrapAdmin({ username: 'root', password: 'first-password' });
    const stored = core.repos.users.rows.get('root')!;
    expect(stored.role).toBe('admin');
    expect(stored.passwordHash).toMatch(/^scrypt\$/);
    expect(stored.passwordHash).not.toContain('first-password');
    await core.users.bootstrapAdmin({ username: 'root', password: 'second-password' });
    await expect(core.users.login('root', 'first-password')).resolves.toMatchObject({ role: 'admin' });
  });

  it('reads the bootstrap password from a file', async () => {
    const file = join(dir, 'admin-password');
    writeFileSync(file, 'from-a-file-123\n');
    await core.users.bootstrapAdmin({ username: 'root', passwordFile: file });
    await expect(core.users.login('root', 'from-a-file-123')).resolves.toMatchObject({ role: 'admin' });
  });

  it('issues a token the public key verifies, with role and expiry', async () => {
    await core.users.create('alice', 'alice-password', 'user');
    const sut = await core.users.login('alice', 'alice-password');
    const claims = verifyToken(sut.token, core.secrets.tokenPublicKeyPem, core.clock.now());
    expect(claims).toMatchObject({ sub: 'alice', role: 'user' });
    expect(claims.exp - claims.iat).toBe(600);
    expect(sut.expiresAt).toBe(new Date(claims.exp * 1000).toISOString());
    expect(sut.role).toBe('user');
  });

  it('refuses a wrong password and an unknown user with the same error', async () => {
    await core.users.create('alice', 'alice-password', 'user');
    await expect(core.users.login('alice', 'wrong-password')).rejects.toThrow(new UnauthorizedError('Invalid username or password'));
    await expect(core.users.login('nobody', 'alice-password')).rejects.toThrow(new UnauthorizedError('Invalid username or password'));
  });

  it('makes a username wait after repeated failures, without checking the password meanwhile', async () => {
    await core.users.create('alice', 'alice-password', 'user');
    for (let i = 0; i < core.config.loginThrottle.freeFailures; i++) {
      await expect(core.users.login('alice', `guess-${i}`)).rejects.toThrow(UnauthorizedError);
    }
    await expect(core.users.login('alice', 'alice-password')).rejects.toThrow(TooManyRequestsError);
    await expect(core.users.login('bob-does-not-exist', 'x')).rejects.toThrow(UnauthorizedError);
    core.clock.advance(core.config.loginThrottle.baseDelayMs);
    await expect(core.users.login('alice', 'alice-password')).resolves.toMatchObject({ role: 'user' });
    await expect(core.users.login('alice', 'guess-again')).rejects.toThrow(UnauthorizedError);
  });

  it('resets a password', async () => {
    await core.users.create('alice', 'alice-password', 'user');
    await core.users.resetPassword('alice', 'new-password');
    await expect(core.users.login('alice', 'alice-password')).rejects.toThrow(UnauthorizedError);
    await expect(core.users.login('alice', 'new-password')).resolves.toMatchObject({ role: 'user' });
    await expect(core.users.resetPassword('nobody', 'x-password')).rejects.toThrow(NotFoundError);
  });

  it('refuses duplicates and deleting the last admin', async () => {
    await core.users.create('root', 'root-password', 'admin');
    await expect(core.users.create('root', 'other-password', 'user')).rejects.toThrow(ConflictError);
    await expect(core.users.delete('root')).rejects.toThrow('root is the last admin and cannot be deleted');
    await core.users.create('root2', 'root-password', 'admin');
    await core.users.delete('root');
    expect((await core.users.list()).map((u) => u.username)).toEqual(['root2']);
  });
});
