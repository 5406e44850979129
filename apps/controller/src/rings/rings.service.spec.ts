import { beforeEach, describe, expect, it } from '@jest/globals';
import { NotFoundError } from '@mcos/common';
import { createTestCore, join, rejoin, type TestCore } from '../testing/test-core';

describe('RingsService', () => {
  let core: TestCore;

  beforeEach(async () => {
    core = await createTestCore({ expectedServices: 3 });
  });

  describe('first rings', () => {
    it('builds nothing until expectedServices services are ACTIVE', async () => {
      await join(core, 'a');
      await join(core, 'b');
      expect(core.repos.rings.pairs.size).toBe(0);
      const views = await core.rings.list();
      expect(views.every((v) => !v.built)).toBe(true);
      expect(views.find((v) => v.option === 'single')?.reason).toBe('waiting for 3 ACTIVE services (2 now), or POST /v1/rings/rebuild');
      expect(views.find((v) => v.option === 'standard')?.reason).toMatch(/needs 3 eligible services .* 2 available/);
    });

    it('builds a ring for every option as the expected service joins, all in the map it answers with', async () => {
      await join(core, 'a');
      await join(core, 'b');
      const { response } = await join(core, 'c');
      expect(response.clusterMap.rings.map((r) => r.option)).toEqual(['async-3', 'single', 'standard', 'sync-3']);
      const sut = await core.rings.get('standard');
      expect(sut.built).toBe(true);
      expect(sut.pendingRebalance).toBe(false);
      expect(sut.ring).toMatchObject({ replicas: 3, partitionPower: 8, partitions: 256, balancePercent: 0, dispersionPercent: 100 });
      expect(sut.ring?.services.map((s) => [s.name, s.partitionReplicas])).toEqual([
        ['a', 256],
        ['b', 256],
        ['c', 256],
      ]);
      expect(sut.ring?.lastRebalance).toBeUndefined();
    });

    it('gives no ring to an option with more replicas than eligible services, and says why', async () => {
      await core.options.create({ name: 'wide', replicas: 5, writeQuorum: 3, readQuorum: 3 });
      for (const name of ['a', 'b', 'c']) await join(core, name);
      const sut = await core.rings.get('wide');
      expect(sut.built).toBe(false);
      expect(sut.reason).toBe('needs 5 eligible services (not REMOVED, weight > 0); 3 available');
      expect(core.clusterMap.currentMap().rings.map((r) => r.option)).not.toContain('wide');
    });

    it('respects placement', async () => {
      await core.options.create({ name: 'eu', replicas: 2, writeQuorum: 1, readQuorum: 2, placement: { regions: ['eu-1', 'eu-2'] } });
      await join(core, 'a', 'eu-1');
      await join(core, 'b', 'eu-2');
      await join(core, 'c', 'us-1');
      const sut = await core.rings.get('eu');
      expect(sut.ring?.services.map((s) => s.name)).toEqual(['a', 'b']);
    });

    it('builds on an admin rebuild before expectedServices are there', async () => {
      await join(core, 'a');
      const sut = await core.rings.rebuild(false);
      expect(sut.options.map((o) => [o.option, o.action])).toEqual([
        ['async-3', 'skipped'],
        ['single', 'build'],
        ['standard', 'skipped'],
        ['sync-3', 'skipped'],
      ]);
      expect(core.clusterMap.currentMap().rings.map((r) => r.option)).toEqual(['single']);
      expect(sut.clusterMapVersion).toBe(core.clusterMap.version);
    });
  });

  describe('rebalancing', () => {
    beforeEach(async () => {
      for (const name of ['a', 'b', 'c']) await join(core, name);
    });

    it('rebalances every ring when a new service joins (autoRebalance), keeping the previous ring', async () => {
      const before = await core.rings.get('standard');
      const mapVersion = core.clusterMap.version;
      await join(core, 'd');
      expect(core.clusterMap.version).toBe(mapVersion + 1);
      const sut = await core.rings.get('standard');
      expect(sut.ring!.version).toBeGreaterThan(before.ring!.version);
      expect(sut.ring!.previousVersion).toBe(before.ring!.version);
      expect(sut.ring!.services.find((s) => s.name === 'd')!.partitionReplicas).toBe(192);
      expect(sut.ring!.lastRebalance).toMatchObject({ fromVersion: before.ring!.version, moved: 192, minimumMoves: 192, remainingMoves: 0 });
      expect(sut.ring!.lastRebalance!.byService.d).toEqual({ gained: 192, lost: 0 });
    });

    it('leaves the rings alone on a join when autoRebalance is off, and reports the pending rebalance', async () => {
      core.config.autoRebalance = false;
      const before = await core.rings.get('standard');
      await join(core, 'd');
      const sut = await core.rings.get('standard');
      expect(sut.ring!.version).toBe(before.ring!.version);
      expect(sut.pendingRebalance).toBe(true);
      expect(sut.reason).toBe('joined: d');
    });

    it('does not touch the rings when a member re-registers or comes back', async () => {
      const before = core.repos.rings.pairs.get('standard')!.current.version;
      await rejoin(core, 'a', { url: 'http://a.test:2', region: 'region-a' });
      expect(core.repos.rings.pairs.get('standard')!.current.version).toBe(before);
    });

    it('previews a rebuild with moves and the bytes they would carry, changing nothing', async () => {
      core.config.autoRebalance = false;
      await join(core, 'd');
      for (const name of ['a', 'b', 'c']) {
        const service = (await core.repos.services.findByName(name))!;
        const health = await core.agents.health(service.url);
        health.indexByOption = { standard: { objects: 100, bytes: 256_000 } };
        await core.registry.applyPollOutcomes([{ service, health }]);
      }
      const mapVersion = core.clusterMap.version;
      const ringVersion = core.repos.rings.pairs.get('standard')!.current.version;
      const sut = await core.rings.rebuild(true);
      expect(sut.dryRun).toBe(true);
      const standard = sut.options.find((o) => o.option === 'standard')!;
      expect(standard).toMatchObject({ action: 'rebalance', currentVersion: ringVersion, moved: 192, bytesEstimateComplete: true });
      expect(standard.services.find((s) => s.name === 'd')).toMatchObject({ before: 0, after: 192, gained: 192, lost: 0, estimatedBytes: 0 });
      // Each of a, b, c gives up 64 of its 256 partition-replicas: a quarter of its 256 000 bytes.
      expect(standard.services.find((s) => s.name === 'a')).toMatchObject({ before: 256, after: 192, lost: 64, estimatedBytes: 64_000 });
      expect(standard.estimatedBytesToMove).toBe(192_000);
      expect(sut.options.find((o) => o.option === 'async-3')!.bytesEstimateComplete).toBe(false);
      expect(core.clusterMap.version).toBe(mapVersion);
      expect(core.repos.rings.pairs.get('standard')!.current.version).toBe(ringVersion);
    });

    it('applies a rebuild once and then reports every ring unchanged', async () => {
      core.config.autoRebalance = false;
      await join(core, 'd');
      const applied = await core.rings.rebuild(false);
      expect(applied.options.every((o) => o.action === 'rebalance')).toBe(true);
      const versions = applied.options.map((o) => o.newVersion);
      expect(new Set(versions).size).toBe(4);
      const again = await core.rings.rebuild(false);
      expect(again.options.every((o) => o.action === 'unchanged')).toBe(true);
      expect(again.clusterMapVersion).toBe(applied.clusterMapVersion);
    });

    it('rebuilds an option\'s ring when its replicas change', async () => {
      const before = core.repos.rings.pairs.get('single')!.current;
      await core.options.update('single', { replicas: 2 });
      const sut = core.repos.rings.pairs.get('single')!;
      expect(sut.current.version).toBeGreaterThan(before.version);
      expect(sut.current.replicas).toBe(2);
      expect(sut.previous?.version).toBe(before.version);
    });

    it('keeps ring versions unique and increasing across options', async () => {
      await join(core, 'd');
      const versions = [...core.repos.rings.pairs.values()].flatMap((p) => [p.current.version, p.previous?.version ?? 0]);
      expect(new Set(versions).size).toBe(versions.length);
    });
  });

  it('404s an unknown option', async () => {
    await expect(core.rings.get('nope')).rejects.toThrow(NotFoundError);
  });
});

describe('RingsService convergence', () => {
  it('takes the next rebalance step once the agents finished migrating the last one', async () => {
    const core = await createTestCore({ expectedServices: 3 });
    for (const name of ['a', 'b', 'c']) await join(core, name);
    // Three more at once: each partition would need more than one replica moved, so the rebalance leaves moves for later.
    core.config.autoRebalance = false;
    for (const name of ['d', 'e', 'f']) await join(core, name);
    core.config.autoRebalance = true;
    await core.rings.rebuild(false);
    const first = core.repos.rings.pairs.get('standard')!.current;
    expect(first.stats.movement!.remainingMoves).toBeGreaterThan(0);

    const pollWith = async (progress: { lastPassAt?: number; remaining: number }) => {
      const services = await core.registry.pollTargets();
      const outcomes = await Promise.all(
        services.map(async (service) => {
          const health = await core.agents.health(service.url);
          health.ringVersions = Object.fromEntries([...core.repos.rings.pairs.values()].map((p) => [p.current.option, p.current.version]));
          health.progress.lastPassAt = progress.lastPassAt;
          health.progress.remainingByOption = { standard: progress.remaining };
          return { service, health };
        }),
      );
      await core.registry.applyPollOutcomes(outcomes);
    };

    await pollWith({ lastPassAt: first.createdAt + 1, remaining: 7 });
    expect(core.repos.rings.pairs.get('standard')!.current.version).toBe(first.version);
    core.clock.advance(1000);
    await pollWith({ lastPassAt: undefined, remaining: 0 });
    expect(core.repos.rings.pairs.get('standard')!.current.version).toBe(first.version);
    const mapVersion = core.clusterMap.version;
    await pollWith({ lastPassAt: core.clock.now(), remaining: 0 });
    const next = core.repos.rings.pairs.get('standard')!.current;
    expect(next.version).toBeGreaterThan(first.version);
    expect(next.stats.movement!.fromVersion).toBe(first.version);
    expect(next.stats.movement!.remainingMoves).toBeLessThan(first.stats.movement!.remainingMoves);
    expect(core.clusterMap.version).toBe(mapVersion + 1);
  });
});
