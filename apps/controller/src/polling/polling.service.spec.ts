import { beforeEach, describe, expect, it } from '@jest/globals';
import type { AgentClient } from '../cluster-map/agent.client';
import { asReal } from '../testing/in-memory-repositories';
import { createTestCore, join, settle, type TestCore } from '../testing/test-core';
import { PollingService } from './polling.service';

describe('PollingService.pollOnce', () => {
  let core: TestCore;
  let sut: PollingService;

  beforeEach(async () => {
    core = await createTestCore({ missThreshold: 2 });
    sut = new PollingService(core.registry, asReal<AgentClient>(core.agents), core.metrics, core.clusterMap);
    for (const name of ['a', 'b', 'c']) await join(core, name);
    await settle();
  });

  it('takes an agent that stops answering to DISCONNECTED after missThreshold rounds, then back', async () => {
    const c = core.agents.agents.get('http://c.test')!;
    c.up = false;
    await sut.pollOnce();
    expect((await core.registry.get('c')).status).toBe('ACTIVE');
    await sut.pollOnce();
    expect((await core.registry.get('c')).status).toBe('DISCONNECTED');
    const whileAway = await core.options.update('single', { replicas: 2 });
    expect(whileAway.ringVersion).toBeDefined();
    c.up = true;
    await sut.pollOnce();
    await settle();
    expect((await core.registry.get('c')).status).toBe('ACTIVE');
    expect(c.held).toBe(core.clusterMap.version);
    expect(await core.metrics.render()).toMatch(/mcos_controller_polls_total\{result="failed"\} 2/);
  });

  it('re-pushes the map to an agent that lost it (restart without its persisted map)', async () => {
    const a = core.agents.agents.get('http://a.test')!;
    a.held = 0;
    await sut.pollOnce();
    await settle();
    expect(a.held).toBe(core.clusterMap.version);
  });

  it('pushes the map to an agent that refuses polls (401: it missed a key rotation), which then answers again', async () => {
    const b = core.agents.agents.get('http://b.test')!;
    b.refusesPolls = true;
    await sut.pollOnce();
    await settle();
    expect(core.agents.pushedTo('http://b.test').at(-1)).toBe(core.clusterMap.version);
    expect(b.refusesPolls).toBe(false);
    await sut.pollOnce();
    expect((await core.registry.get('b')).missedPolls).toBe(0);
  });

  it('joins a round already running instead of starting another', async () => {
    const first = sut.pollOnce();
    const second = sut.pollOnce();
    expect(second).toBe(first);
    await first;
  });
});
