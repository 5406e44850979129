import { beforeEach, describe, expect, it } from '@jest/globals';
import { sign } from 'node:crypto';
import {
  ACCESS_KEY_ID_PATTERN,
  BadRequestError,
  ConflictError,
  TooManyRequestsError,
  generateX25519KeyPair,
  MAX_ACCESS_KEYS_PER_USER,
  NotFoundError,
  openAccessKeys,
  sealingKeyBindingBytes,
  UnauthorizedError,
  x25519PublicKeyText,
  type AgentAccessKeysRequest,
  type SealedAccessKeySet,
} from '@mcos/common';
import type { StateRepository } from '../database/state.repository';
import { asReal } from '../testing/in-memory-repositories';
import { createTestCore, join as joinAgent, settle, type TestCore, type TestIdentity } from '../testing/test-core';
import type { UserRepository } from '../users/user.repository';
import type { AccessKeyRepository } from './access-key.repository';
import { AccessKeysService } from './access-keys.service';
import { InMemoryAccessKeyRepository } from './in-memory-access-key.repository';
import { KeyChangeThrottle } from './key-change-throttle';

describe('AccessKeysService', () => {
  let core: TestCore;
  let repo: InMemoryAccessKeyRepository;
  let sut: AccessKeysService;
  const sealing = generateX25519KeyPair();

  beforeEach(async () => {
    core = await createTestCore();
    repo = new InMemoryAccessKeyRepository();
    sut = new AccessKeysService(
      asReal<AccessKeyRepository>(repo),
      asReal<UserRepository>(core.repos.users),
      asReal<StateRepository>(core.repos.state),
      core.clusterMap,
      core.lock,
      core.clock,
      new KeyChangeThrottle(core.clock, { changes: 3, windowMs: 60_000, maxUsers: 2 }),
    );
    await core.users.create('alice', 'alice-password', 'user');
    await core.users.create('bob', 'bob-password-1', 'user');
  });

  function request(agent: string, identity: TestIdentity, extra: Partial<AgentAccessKeysRequest> = {}): AgentAccessKeysRequest {
    const sealingKey = x25519PublicKeyText(sealing.publicKey);
    const signature = sign(null, sealingKeyBindingBytes(agent, sealingKey), identity.privateKey).toString('base64url');
    return { sealingKey, sealingKeySignature: signature, ...extra };
  }

  async function fetchAs(agent: string, identity: TestIdentity, extra: Partial<AgentAccessKeysRequest> = {}): Promise<SealedAccessKeySet> {
    const answer = await sut.forAgent(agent, request(agent, identity, extra));
    if (answer.unchanged) throw new Error('unexpectedly unchanged');
    return answer.set;
  }

  it('makes AWS-shaped keys, shows the secret once, and lists without it', async () => {
    const created = await sut.create('alice', 'admin');
    expect(created.accessKeyId).toMatch(ACCESS_KEY_ID_PATTERN);
    expect(created.accessKeyId).toHaveLength(20);
    expect(created.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    const listed = await sut.list('alice');
    expect(listed).toEqual([{ accessKeyId: created.accessKeyId, createdAt: created.createdAt }]);
    expect(JSON.stringify(listed)).not.toContain(created.secretAccessKey);
    expect(await sut.list('bob')).toEqual([]);
  });

  it('publishes a map with a new accessKeysVersion on every create and revoke', async () => {
    const before = core.clusterMap.currentMap();
    const { accessKeyId } = await sut.create('alice', 'admin');
    const afterCreate = core.clusterMap.currentMap();
    expect(afterCreate.version).toBe(before.version + 1);
    expect(afterCreate.accessKeysVersion).toBe((before.accessKeysVersion ?? 0) + 1);
    await sut.revoke('alice', accessKeyId, 'admin');
    expect(core.clusterMap.currentMap().accessKeysVersion).toBe(afterCreate.accessKeysVersion! + 1);
  });

  it(`allows ${MAX_ACCESS_KEYS_PER_USER} keys per user, then 409`, async () => {
    for (let i = 0; i < MAX_ACCESS_KEYS_PER_USER; i++) await sut.create('alice', 'admin');
    await expect(sut.create('alice', 'admin')).rejects.toThrow(ConflictError);
    await expect(sut.create('bob', 'admin')).resolves.toBeDefined();
  });

  it("throttles a user's own changes per user (admins' are not), and forgets after the window", async () => {
    const a = await sut.create('alice', 'self');
    await sut.revoke('alice', a.accessKeyId, 'self');
    await sut.create('alice', 'self');
    await expect(sut.create('alice', 'self')).rejects.toThrow(TooManyRequestsError);
    await expect(sut.revoke('alice', a.accessKeyId, 'self')).rejects.toThrow(TooManyRequestsError);
    await expect(sut.create('alice', 'admin')).resolves.toBeDefined();
    await expect(sut.create('bob', 'self')).resolves.toBeDefined();
    core.clock.advance(60_000);
    await expect(sut.create('alice', 'self')).resolves.toBeDefined();
  });

  it('revokes only the owner\'s own key; unknown users and keys are 404', async () => {
    const key = await sut.create('alice', 'admin');
    await expect(sut.revoke('bob', key.accessKeyId, 'admin')).rejects.toThrow(NotFoundError);
    await expect(sut.create('nobody', 'admin')).rejects.toThrow(NotFoundError);
    await expect(sut.list('nobody')).rejects.toThrow(NotFoundError);
    await sut.revoke('alice', key.accessKeyId, 'admin');
    await expect(sut.revoke('alice', key.accessKeyId, 'admin')).rejects.toThrow(NotFoundError);
    expect(await sut.list('alice')).toEqual([]);
  });

  it('kills every key of a user whose password is reset or who is deleted, also for a re-created user of that name', async () => {
    await sut.create('alice', 'admin');
    const bobs = await sut.create('bob', 'admin');
    await core.users.resetPassword('alice', 'new-password-1');
    expect(await sut.list('alice')).toEqual([]);
    await core.users.delete('bob');
    await core.users.create('bob', 'bob-password-2', 'user');
    expect(await sut.list('bob')).toEqual([]);
    expect(repo.rows.has(bobs.accessKeyId)).toBe(false);
    // New keys after the reset are fine.
    await expect(sut.create('alice', 'admin')).resolves.toBeDefined();
    expect(await sut.list('alice')).toHaveLength(1);
  });

  describe('forAgent', () => {
    it('hands an agent every live key sealed to its key, opened only by it', async () => {
      const { identity } = await joinAgent(core, 'agent-1');
      const a = await sut.create('alice', 'admin');
      const b = await sut.create('bob', 'admin');
      await core.users.resetPassword('bob', 'bob-password-9');
      // The first fetch after the reset prunes bob's key (a new version); the set is labelled with the version read before.
      const first = await fetchAs('agent-1', identity);
      expect(first.version).toBeLessThan(core.clusterMap.currentMap().accessKeysVersion!);
      const set = await fetchAs('agent-1', identity, { haveVersion: first.version });
      expect(JSON.stringify(set)).not.toContain(a.secretAccessKey);
      expect(set.version).toBe(core.clusterMap.currentMap().accessKeysVersion);
      const opened = openAccessKeys(set, sealing.privateKey, 'agent-1');
      expect(opened).toEqual([{ accessKeyId: a.accessKeyId, owner: 'alice', generation: core.repos.users.rows.get('alice')!.tokenGeneration, secret: a.secretAccessKey }]);
      expect(opened.map((k) => k.accessKeyId)).not.toContain(b.accessKeyId);
    });

    it('drops the keys of a reset user from the next fetch with a new version, even for an agent that held the current set', async () => {
      const { identity } = await joinAgent(core, 'agent-1');
      const a = await sut.create('alice', 'admin');
      const held = await fetchAs('agent-1', identity);
      await core.users.resetPassword('alice', 'alice-password-2');
      // The next fetch sees the dead key, prunes it and publishes a map with a new keys version...
      await sut.forAgent('agent-1', request('agent-1', identity, { haveVersion: held.version }));
      expect(core.clusterMap.currentMap().accessKeysVersion).toBeGreaterThan(held.version);
      // ... which the agent follows with another fetch.
      const set = await fetchAs('agent-1', identity, { haveVersion: held.version });
      expect(set.version).toBeGreaterThan(held.version);
      expect(set.keys.map((k) => k.accessKeyId)).not.toContain(a.accessKeyId);
      expect(core.clusterMap.currentMap().accessKeysVersion).toBe(set.version);
    });

    it('reads the tables once while nothing changed, and again after any key or user change', async () => {
      const { identity } = await joinAgent(core, 'agent-1');
      const a = await sut.create('alice', 'admin');
      let reads = 0;
      const findAll = repo.findAll.bind(repo);
      repo.findAll = () => {
        reads++;
        return findAll();
      };
      const first = await fetchAs('agent-1', identity);
      await sut.forAgent('agent-1', request('agent-1', identity, { haveVersion: first.version }));
      expect(reads).toBe(1);
      await sut.revoke('alice', a.accessKeyId, 'admin');
      expect((await fetchAs('agent-1', identity)).keys).toEqual([]);
      expect(reads).toBe(2);
      await core.users.create('carol', 'carol-password', 'user');
      await fetchAs('agent-1', identity);
      expect(reads).toBe(3);
    });

    it('answers "unchanged" without keys when the agent holds the current version', async () => {
      const { identity } = await joinAgent(core, 'agent-1');
      await sut.create('alice', 'admin');
      const set = await fetchAs('agent-1', identity);
      await expect(sut.forAgent('agent-1', request('agent-1', identity, { haveVersion: set.version }))).resolves.toEqual({ unchanged: true, version: set.version });
    });

    it("refuses a sealing key not signed by the agent's own identity key (a replayed assertion)", async () => {
      const one = await joinAgent(core, 'agent-1');
      await joinAgent(core, 'agent-2');
      await expect(sut.forAgent('agent-2', request('agent-2', one.identity))).rejects.toThrow(UnauthorizedError);
      await expect(sut.forAgent('agent-1', { ...request('agent-1', one.identity), sealingKey: x25519PublicKeyText(generateX25519KeyPair().publicKey) })).rejects.toThrow(UnauthorizedError);
      await expect(sut.forAgent('agent-1', { ...request('agent-1', one.identity), sealingKey: 'not-a-key' })).rejects.toThrow(BadRequestError);
    });

    it('records last use to the minute, forward only, for live keys only, never in the future', async () => {
      const { identity } = await joinAgent(core, 'agent-1');
      core.clock.advance(10 * 60_000);
      const key = await sut.create('alice', 'admin');
      const now = core.clock.now();
      await fetchAs('agent-1', identity, { lastUsed: { [key.accessKeyId]: now + 90_000, MCOSAAAAAAAAAAAAAAAA: now } });
      const minute = Math.floor(now / 60_000) * 60_000;
      expect((await sut.list('alice'))[0]!.lastUsedAt).toBe(new Date(minute).toISOString());
      expect(repo.rows.has('MCOSAAAAAAAAAAAAAAAA')).toBe(false);
      await fetchAs('agent-1', identity, { lastUsed: { [key.accessKeyId]: now - 5 * 60_000 } });
      expect((await sut.list('alice'))[0]!.lastUsedAt).toBe(new Date(minute).toISOString());
    });

    it('refuses malformed or oversized last-use reports before any work', async () => {
      const { identity } = await joinAgent(core, 'agent-1');
      for (const lastUsed of [{ 'not-an-id': 1 }, { MCOSAAAAAAAAAAAAAAAA: 'x' }, { MCOSAAAAAAAAAAAAAAAA: -1 }, [1]]) {
        await expect(sut.forAgent('agent-1', request('agent-1', identity, { lastUsed: lastUsed as unknown as Record<string, number> }))).rejects.toThrow(BadRequestError);
      }
      const many = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`MCOS${String(i).replace(/\d/g, (d) => 'BCDEFGHIJK'[Number(d)]!).padStart(16, 'A')}`, 1]));
      await expect(sut.forAgent('agent-1', request('agent-1', identity, { lastUsed: many }))).rejects.toThrow(/at most 10000/);
    });
  });

  it('pushes the new map to ACTIVE agents when a key is made', async () => {
    const { agent } = await joinAgent(core, 'agent-1');
    await sut.create('alice', 'admin');
    await settle();
    expect(agent.held).toBe(core.clusterMap.currentMap().version);
  });
});
