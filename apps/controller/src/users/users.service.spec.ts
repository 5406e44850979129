import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError, NotFoundError, TooManyRequestsError, UnauthorizedError, UnavailableError, UserTokenVerifier, verifyToken } from '@mcos/common';
import { createTestCore, join as joinAgent, type TestCore } from '../testing/test-core';

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

  describe('revocation and deletion', () => {
    const verifyAtAgent = (token: string) => new UserTokenVerifier().verify(token, core.clusterMap.currentMap(), core.clock.now());

    beforeEach(async () => {
      for (const name of ['a', 'b', 'c']) await joinAgent(core, name);
      await core.users.create('alice', 'alice-password', 'user');
    });

    it('puts every user\'s generation in the map; a reset revokes the old tokens there', async () => {
      const before = (await core.users.login('alice', 'alice-password')).token;
      expect(verifyAtAgent(before).sub).toBe('alice');
      await core.users.resetPassword('alice', 'new-password');
      expect(() => verifyAtAgent(before)).toThrow(/Token revoked/);
      expect(verifyAtAgent((await core.users.login('alice', 'new-password')).token).sub).toBe('alice');
    });

    it('refuses (409) to delete a user who owns containers, changing nothing', async () => {
      const token = (await core.users.login('alice', 'alice-password')).token;
      core.userData.put('alice', 'photos', 'cat.jpg');
      await expect(core.users.delete('alice')).rejects.toThrow(/owns containers \(photos\).*purge=true/);
      expect(verifyAtAgent(token).sub).toBe('alice');
      expect(core.userData.calls.every((c) => c.account === 'alice')).toBe(true);
    });

    it('deletes a user without data, and their tokens with them; a re-created user gets none of them', async () => {
      const old = (await core.users.login('alice', 'alice-password')).token;
      await core.users.delete('alice');
      expect(() => verifyAtAgent(old)).toThrow(/no longer exists/);
      await core.users.create('alice', 'alice-password', 'user');
      expect(() => verifyAtAgent(old)).toThrow(/Token revoked/);
    });

    it('purges the user\'s objects and containers through an agent as that user, then deletes the user', async () => {
      core.userData.put('alice', 'photos', 'cat.jpg', 'dir/dog.jpg');
      core.userData.put('alice', 'empty');
      core.userData.put('bob', 'bobs', 'keep.txt');
      await core.users.delete('alice', true);
      expect(core.userData.data.get('alice')?.size ?? 0).toBe(0);
      expect(core.userData.data.get('bob')?.get('bobs')?.has('keep.txt')).toBe(true);
      expect(core.userData.calls.filter((c) => c.op === 'deleteObject')).toHaveLength(2);
      expect(await core.repos.users.findByName('alice')).toBeUndefined();
      expect(core.clusterMap.currentMap().users).not.toHaveProperty('alice');
    });

    it('keeps an interrupted purge DELETING (name taken, login refused) until it is repeated', async () => {
      core.userData.put('alice', 'photos', 'cat.jpg');
      core.userData.failWith = new UnavailableError('agent down');
      await expect(core.users.delete('alice', true)).rejects.toThrow(UnavailableError);
      expect(core.repos.users.rows.get('alice')?.deletingAt).toBeDefined();
      await expect(core.users.create('alice', 'alice-password', 'user')).rejects.toThrow(/being deleted/);
      await expect(core.users.login('alice', 'alice-password')).rejects.toThrow(UnauthorizedError);
      core.userData.failWith = undefined;
      await core.users.delete('alice', true);
      expect(await core.repos.users.findByName('alice')).toBeUndefined();
    });
  });
});
