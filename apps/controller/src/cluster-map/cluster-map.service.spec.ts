import { beforeEach, describe, expect, it } from '@jest/globals';
import { verifyClusterMap } from '@mcos/common';
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
      core.repos.users as never,
      core.secrets,
      core.identities,
      new MapPusher(asReal<AgentClient>(core.agents), core.metrics),
      core.clock,
      core.metrics,
    );
    await sut.init();
    expect(sut.currentMap()).toEqual(stored);
  });

  it('signs every map with the map key, carrying the token keys, the users\' generations and the agents\' keys', async () => {
    const a = await join(core, 'a');
    await core.users.create('alice', 'alice-password', 'user');
    const sut = core.clusterMap.currentMap();
    const pinned = verifyClusterMap(sut, undefined);
    expect(pinned.keyId).toBe(core.secrets.mapKeys[0]?.keyId);
    expect(sut.tokenKeys).toEqual([{ kid: core.secrets.tokenKeyId, publicKey: core.secrets.tokenPublicKeyPem }]);
    expect(sut.users).toEqual({ alice: core.repos.users.rows.get('alice')?.tokenGeneration });
    expect(sut.services[0]?.publicKey).toBe(a.identity.publicKey);
    expect(() => verifyClusterMap({ ...sut, users: { alice: 0 } }, pinned)).toThrow(/invalid cluster map signature/);
  });

  it('rotates the map key through an endorsed chain and keeps the old token key until its tokens expire', async () => {
    const pinned = verifyClusterMap(core.clusterMap.currentMap(), undefined);
    const oldKid = core.secrets.tokenKeyId;
    await core.secrets.rotateMapKey();
    const newKid = await core.secrets.rotateTokenKey();
    const sut = await core.clusterMap.publish('rotation');
    expect(verifyClusterMap(sut, pinned, 1).keyId).toBe(core.secrets.mapKeys[1]?.keyId);
    expect(sut.tokenKeys?.map((k) => k.kid)).toEqual([oldKid, newKid]);
    core.clock.advance(core.config.tokenTtlSeconds * 1000);
    expect((await core.clusterMap.publish('later')).tokenKeys?.map((k) => k.kid)).toEqual([newKid]);
  });

  it('pushes each new version to ACTIVE agents only', async () => {
    const a = await join(core, 'a');
    const b = await join(core, 'b');
    await core.registry.deregister('b', 'b');
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
