import { beforeEach, describe, expect, it } from '@jest/globals';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, verifyClusterMap } from '@mcos/common';
import { createTestCore, identityOf, join, rejoin, settle, type TestCore } from '../testing/test-core';

describe('RegistryService', () => {
  let core: TestCore;

  beforeEach(async () => {
    core = await createTestCore({ missThreshold: 2 });
  });

  describe('register', () => {
    it('records a new service with its key as ACTIVE and answers with a newer signed map that lists it (no shared credential)', async () => {
      const before = core.clusterMap.version;
      const identity = identityOf('a');
      const response = await core.registry.register(
        { name: 'a', url: 'http://a.test', region: 'r1', backend: 's3', capacityTotalBytes: 10 * 1024 ** 3, writeMBps: 50, publicKey: identity.publicKey },
        { assertion: identity.assertion(core.clock.now()) },
      );
      expect(response).not.toHaveProperty('clusterCredential');
      expect(response.clusterMap.version).toBe(before + 1);
      expect(response.clusterMap.services).toEqual([
        { name: 'a', url: 'http://a.test', region: 'r1', weight: 10, status: 'ACTIVE', backend: 's3', publicKey: identity.publicKey },
      ]);
      expect(verifyClusterMap(response.clusterMap, undefined).keyId).toBe(core.secrets.mapKeys[0]?.keyId);
      const sut = await core.registry.get('a');
      expect(sut).toMatchObject({ status: 'ACTIVE', weightSource: 'capacity', speed: { writeMBps: 50 }, capacity: { totalBytes: 10 * 1024 ** 3 } });
    });

    it('needs proof that the caller holds the key it registers', async () => {
      const identity = identityOf('a');
      const request = { name: 'a', url: 'http://a.test', region: 'r', backend: 'fs' as const, publicKey: identity.publicKey };
      await expect(core.registry.register(request, {})).rejects.toThrow(UnauthorizedError);
      await expect(core.registry.register(request, { assertion: identityOf('mallory').assertion(core.clock.now(), 'a') })).rejects.toThrow(
        /invalid service assertion signature/,
      );
      await expect(core.registry.register({ ...request, publicKey: 'not a key' }, { assertion: identity.assertion(core.clock.now()) })).rejects.toThrow(
        BadRequestError,
      );
      expect(await core.repos.services.findByName('a')).toBeUndefined();
    });

    it('refuses a taken name to another identity, and a registration without a key', async () => {
      await join(core, 'a');
      const mallory = identityOf('mallory');
      await expect(
        core.registry.register(
          { name: 'a', url: 'http://evil.test', region: 'r', backend: 'fs', publicKey: mallory.publicKey },
          { assertion: mallory.assertion(core.clock.now(), 'a') },
        ),
      ).rejects.toThrow(/belongs to another identity key/);
      await expect(core.registry.register({ name: 'a', url: 'http://evil.test', region: 'r', backend: 'fs' }, {})).rejects.toThrow(BadRequestError);
      expect((await core.registry.get('a')).url).toBe('http://a.test');
    });

    it('refuses a REMOVED or revoked service (403) until an admin re-admits it, then takes its new key', async () => {
      for (const name of ['a', 'b', 'c', 'd']) await join(core, name);
      await core.registry.remove('d');
      await expect(rejoin(core, 'd', { url: 'http://d.test', region: 'region-d' })).rejects.toThrow(ForbiddenError);
      await core.registry.revoke('c');
      expect(core.clusterMap.currentMap().services.map((s) => s.name)).toEqual(['a', 'b', 'd']);
      await expect(rejoin(core, 'c', { url: 'http://c.test', region: 'region-c' })).rejects.toThrow(/revoked; an admin must re-admit it/);
      expect(() => core.identities.verify(identityOf('c').assertion(core.clock.now()))).toThrow(/unknown or revoked issuer/);
      await expect(core.registry.readmit('a')).rejects.toThrow(/not REMOVED/);
      await core.registry.readmit('c');
      const fresh = identityOf('c-new-key');
      await core.registry.register(
        { name: 'c', url: 'http://c.test', region: 'region-c', backend: 'fs', publicKey: fresh.publicKey },
        { assertion: fresh.assertion(core.clock.now(), 'c') },
      );
      expect(core.clusterMap.currentMap().services.find((s) => s.name === 'c')).toMatchObject({ status: 'ACTIVE', publicKey: fresh.publicKey });
      expect(core.identities.verify(fresh.assertion(core.clock.now(), 'c')).iss).toBe('c');
    });

    it('lets a service registered before agents had keys adopt its first key with its old credential only', async () => {
      await core.repos.state.set('clusterCredential', 'the-old-shared-credential');
      await core.secrets.onModuleInit();
      const now = core.clock.now();
      await core.repos.services.save({
        name: 'old', url: 'http://old.test', region: 'r', backend: 'fs', status: 'ACTIVE', weight: 1, weightSource: 'default',
        distancesMs: {}, registeredAt: now, updatedAt: now,
      });
      const identity = identityOf('old');
      const request = { name: 'old', url: 'http://old.test', region: 'r', backend: 'fs' as const, publicKey: identity.publicKey };
      await expect(core.registry.register(request, { assertion: identity.assertion(now) })).rejects.toThrow(/before agents had keys/);
      await expect(core.registry.register(request, { assertion: identity.assertion(now), legacyCredential: 'guess' })).rejects.toThrow(ConflictError);
      await core.registry.register(request, { assertion: identity.assertion(now), legacyCredential: 'the-old-shared-credential' });
      expect((await core.repos.services.findByName('old'))?.publicKey).toBe(identity.publicKey);
      // From now on only that key: the credential opens nothing more.
      const other = identityOf('old-impostor');
      await expect(
        core.registry.register({ ...request, publicKey: other.publicKey }, { assertion: other.assertion(now, 'old'), legacyCredential: 'the-old-shared-credential' }),
      ).rejects.toThrow(/another identity key/);
    });

    it('lets an agent deregister itself only', async () => {
      await join(core, 'a');
      await join(core, 'b');
      await expect(core.registry.deregister('a', 'b')).rejects.toThrow(ForbiddenError);
      await expect(core.registry.deregister('a', undefined)).rejects.toThrow(ForbiddenError);
      await core.registry.deregister('a', 'a');
      expect((await core.registry.get('a')).status).toBe('SHUTOFF');
    });

    it('lets the owner re-register at a new URL, keeping its registration time and weight', async () => {
      await join(core, 'a', 'r1', { capacityTotalBytes: 4 * 1024 ** 3 });
      const first = await core.registry.get('a');
      core.clock.advance(60_000);
      const response = await rejoin(core, 'a', { url: 'http://a.test:9999', region: 'r1', capacityTotalBytes: 8 * 1024 ** 3 });
      expect(response.clusterMap.services[0]?.url).toBe('http://a.test:9999');
      const sut = await core.registry.get('a');
      expect(sut.registeredAt).toBe(first.registeredAt);
      expect(sut.weight).toBe(4);
    });

    it('does not push the map it just answered with to the registering agent', async () => {
      const { url } = await join(core, 'a');
      await settle();
      expect(core.agents.pushedTo(url)).toEqual([]);
    });

    it('tells the other ACTIVE agents about a new service', async () => {
      const { url: aUrl } = await join(core, 'a');
      const { response } = await join(core, 'b');
      await settle();
      expect(core.agents.pushedTo(aUrl)).toEqual([response.clusterMap.version]);
    });
  });

  describe('polls', () => {
    it('marks a service DISCONNECTED after missThreshold failed polls, and ACTIVE again when it answers', async () => {
      const { agent } = await join(core, 'a');
      agent.up = false;
      const version = core.clusterMap.version;
      await core.registry.applyPollOutcomes([{ service: (await core.repos.services.findByName('a'))!, error: new Error('down') }]);
      expect((await core.registry.get('a')).status).toBe('ACTIVE');
      expect(core.clusterMap.version).toBe(version);
      await core.registry.applyPollOutcomes([{ service: (await core.repos.services.findByName('a'))!, error: new Error('down') }]);
      expect((await core.registry.get('a')).status).toBe('DISCONNECTED');
      expect(core.clusterMap.version).toBe(version + 1);
      expect(core.clusterMap.currentMap().services[0]?.status).toBe('DISCONNECTED');

      agent.up = true;
      const health = await core.agents.health('http://a.test');
      await core.registry.applyPollOutcomes([{ service: (await core.repos.services.findByName('a'))!, health }]);
      expect((await core.registry.get('a')).status).toBe('ACTIVE');
      expect(core.clusterMap.version).toBe(version + 2);
      expect((await core.registry.get('a')).missedPolls).toBe(0);
    });

    it('publishes one version for several status changes in one round', async () => {
      const a = await join(core, 'a');
      const b = await join(core, 'b');
      a.agent.up = false;
      b.agent.up = false;
      const version = core.clusterMap.version;
      for (let i = 0; i < 2; i++) {
        const services = await core.registry.pollTargets();
        await core.registry.applyPollOutcomes(services.map((service) => ({ service, error: new Error('down') })));
      }
      expect(core.clusterMap.version).toBe(version + 1);
    });

    it('counts an answer from a different agent at the URL as a miss', async () => {
      const { agent } = await join(core, 'a');
      agent.name = 'someone-else';
      for (let i = 0; i < 2; i++) {
        const service = (await core.repos.services.findByName('a'))!;
        await core.registry.applyPollOutcomes([{ service, health: await core.agents.health('http://a.test') }]);
      }
      expect((await core.registry.get('a')).status).toBe('DISCONNECTED');
    });

    it('ignores an outcome for a service that re-registered at another URL meanwhile', async () => {
      await join(core, 'a');
      const stale = (await core.repos.services.findByName('a'))!;
      await rejoin(core, 'a', { url: 'http://a.test:2', region: 'r' });
      await core.registry.applyPollOutcomes([{ service: stale, error: new Error('old port closed') }]);
      expect((await core.registry.get('a')).missedPolls).toBe(0);
    });
  });

  describe('deregister and remove', () => {
    it('deregister makes a service SHUTOFF and keeps it in the rings', async () => {
      await join(core, 'a');
      await join(core, 'b');
      await join(core, 'c');
      const ringVersion = (await core.rings.get('standard')).ring?.version;
      await core.registry.deregister('c', 'c');
      expect((await core.registry.get('c')).status).toBe('SHUTOFF');
      expect((await core.rings.get('standard')).ring?.version).toBe(ringVersion);
      expect(await core.registry.pollTargets()).toHaveLength(2);
      await expect(core.registry.deregister('nope')).rejects.toThrow(NotFoundError);
    });

    it('remove makes a service REMOVED and rebalances the rings without it', async () => {
      for (const name of ['a', 'b', 'c', 'd']) await join(core, name);
      const before = (await core.rings.get('standard')).ring!;
      const sut = await core.registry.remove('d');
      expect(sut.status).toBe('REMOVED');
      const after = (await core.rings.get('standard')).ring!;
      expect(after.version).toBeGreaterThan(before.version);
      expect(after.services.map((s) => s.name)).toEqual(['a', 'b', 'c']);
      expect(core.clusterMap.currentMap().previousRings.find((r) => r.option === 'standard')?.version).toBe(before.version);
    });

    it('refuses a removal that would leave an option with fewer services than replicas', async () => {
      for (const name of ['a', 'b', 'c']) await join(core, name);
      await expect(core.registry.remove('c')).rejects.toThrow(/too few services for option\(s\) async-3 \(R=3\), standard \(R=3\), sync-3 \(R=3\)/);
      expect((await core.registry.get('c')).status).toBe('ACTIVE');
    });
  });

  it('summarises the agents\' background progress', async () => {
    await join(core, 'a');
    await join(core, 'b');
    const service = (await core.repos.services.findByName('a'))!;
    const health = await core.agents.health('http://a.test');
    health.progress.remainingByOption = { standard: 5 };
    health.progress.oldestUnreplicatedMs = 1200;
    health.progress.scanned = 10;
    await core.registry.applyPollOutcomes([{ service, health }]);
    const sut = await core.registry.progress();
    expect(sut).toMatchObject({ remainingByOption: { standard: 5 }, remaining: 5, oldestUnreplicatedMs: 1200, unreported: ['b'], settled: false });
    expect(sut.totals.scanned).toBe(10);
  });
});
