import { beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ClusterMap } from '@mcos/common';
import { MetricsService } from '../health/metrics.service';
import { FakeAgentClient } from '../testing/fake-agent-client';
import { asReal } from '../testing/in-memory-repositories';
import { settle } from '../testing/test-core';
import type { AgentClient } from './agent.client';
import { MapPusher } from './map-pusher';

function map(version: number): ClusterMap {
  return { version, createdAt: version, services: [], options: [], rings: [], previousRings: [], tokenPublicKey: '' };
}

const target = { name: 'a', url: 'http://a.test' };

describe('MapPusher', () => {
  let agents: FakeAgentClient;
  let metrics: MetricsService;
  let sut: MapPusher;

  beforeEach(() => {
    Logger.overrideLogger(false);
    agents = new FakeAgentClient();
    metrics = new MetricsService();
    sut = new MapPusher(asReal<AgentClient>(agents), metrics);
  });

  it('delivers a map and remembers what the agent holds', async () => {
    agents.add(target.url);
    sut.push(target, map(3));
    await settle();
    expect(agents.pushedTo(target.url)).toEqual([3]);
    expect(sut.heldBy('a')).toBe(3);
    sut.push(target, map(3));
    sut.push(target, map(2));
    await settle();
    expect(agents.pushedTo(target.url)).toEqual([3]);
  });

  it('keeps one push in flight per agent and sends only the newest waiting map after it, in order', async () => {
    let open!: () => void;
    const agent = agents.add(target.url, { gate: new Promise<void>((resolve) => (open = resolve)) });
    sut.push(target, map(1));
    sut.push(target, map(3));
    sut.push(target, map(2));
    sut.push(target, map(4));
    await settle();
    expect(agents.pushedTo(target.url)).toEqual([1]);
    agent.gate = undefined;
    open();
    await settle();
    expect(agents.pushedTo(target.url)).toEqual([1, 4]);
    expect(agent.held).toBe(4);
  });

  it('counts failures and retries when told the agent is behind', async () => {
    const agent = agents.add(target.url, { up: false });
    sut.push(target, map(5));
    await settle();
    expect(await metrics.render()).toMatch(/mcos_controller_map_push_failures_total 1/);
    agent.up = true;
    sut.noteHeld('a', 0);
    sut.push(target, map(5));
    await settle();
    expect(agents.pushedTo(target.url)).toEqual([5, 5]);
    expect(agent.held).toBe(5);
  });

  it('drain waits for pushes in flight, bounded by a timeout', async () => {
    agents.add(target.url, { gate: new Promise<void>(() => undefined) });
    sut.push(target, map(1));
    const started = Date.now();
    await sut.drain(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
