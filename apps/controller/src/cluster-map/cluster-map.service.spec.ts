import { beforeEach, describe, expect, it } from '@jest/globals';
import type { AgentClient } from './agent.client';
import { ClusterMapService } from './cluster-map.service';
import { MapPusher } from './map-pusher';
import { asReal } from '../testing/in-memory-repositories';
import { createTestCore, join, settle, type TestCore } from '../testing/test-core';

describe('ClusterMapService', () => {
  let core: TestCore;

  beforeEach(async () => {
    core = await createTestCore();
  });

  it('starts a fresh cluster at version 1 with the default options and the token key', () => {
    const sut = core.clusterMap.currentMap();
    expect(sut.version).toBe(1);
    expect(sut.options.map((o) => o.name)).toEqual(['async-3', 'single', 'standard', 'sync-3']);
    expect(sut.services).toEqual([]);
    expect(sut.tokenPublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('bumps the version by one per publish and persists the map', async () => {
    const first = await core.clusterMap.publish('one');
    const second = await core.clusterMap.publish('two');
    expect(second.version).toBe(first.version + 1);
    expect(second.createdAt).toBe(core.clock.now());
    expect(JSON.parse((await core.repos.state.get('clusterMap')) as string)).toEqual(second);
  });

  it('reloads the stored map at start without a new version', async () => {
    await join(core, 'a');
    const stored = core.clusterMap.currentMap();
    const sut = new ClusterMapService(
      core.repos.state as never,
      core.repos.services as never,
      core.repos.options as never,
      core.repos.rings as never,
      core.secrets,
      new MapPusher(asReal<AgentClient>(core.agents), core.metrics),
      core.clock,
      core.metrics,
    );
    await sut.init();
    expect(sut.currentMap()).toEqual(stored);
  });

  it('pushes each new version to ACTIVE agents only', async () => {
    const a = await join(core, 'a');
    const b = await join(core, 'b');
    await core.registry.deregister('b');
    await settle();
    const pushesToB = core.agents.pushedTo(b.url).length;
    const map = await core.clusterMap.publish('test');
    await settle();
    expect(core.agents.pushedTo(a.url)).toContain(map.version);
    expect(core.agents.pushedTo(b.url)).toHaveLength(pushesToB);
  });

  it('re-pushes the current map to an agent that reports an older version', async () => {
    const a = await join(core, 'a');
    await settle();
    const current = core.clusterMap.version;
    a.agent.held = 0;
    core.clusterMap.noteAgentVersion({ name: 'a', url: a.url }, 0);
    await settle();
    expect(core.agents.pushedTo(a.url)).toEqual([current]);
    expect(a.agent.held).toBe(current);
    core.clusterMap.noteAgentVersion({ name: 'a', url: a.url }, current);
    await settle();
    expect(core.agents.pushedTo(a.url)).toEqual([current]);
  });
});
