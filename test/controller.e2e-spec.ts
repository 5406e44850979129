import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { ClusterMap } from '@mcos/common';
import { AgentDouble, ControllerProcess, http, makeTempDir, removeTempDir, TEST_JOIN_TOKEN, waitFor } from './support';

jest.setTimeout(90_000);

const POLL_MS = 250;
const MISS_THRESHOLD = 2;

/**
 * The controller process against real HTTP agent doubles: first rings, an
 * agent that goes away and comes back, a late joiner, ordered pushes and a
 * restart on the same sqlite file. The steps build on each other.
 */
describe('controller with agent doubles (sqlite)', () => {
  let dir: string;
  let controller: ControllerProcess;
  let token: string;
  const agents: AgentDouble[] = [];
  const [a, b, c] = [0, 1, 2];

  const currentMap = async (): Promise<ClusterMap> => {
    const result = await http<ClusterMap>('GET', `${controller.url}/v1/cluster-map`, { headers: agents[a]!.authHeaders() });
    expect(result.status).toBe(200);
    return result.body;
  };
  const serviceStatus = async (name: string): Promise<string> => {
    const result = await http('GET', `${controller.url}/v1/services/${name}`, { token });
    return result.body.status as string;
  };
  const allHoldCurrent = async (doubles: AgentDouble[]): Promise<number | false> => {
    const map = await currentMap();
    return doubles.every((d) => d.version === map.version) ? map.version : false;
  };

  beforeAll(async () => {
    dir = makeTempDir('mcos-ctl-e2e-');
    controller = await ControllerProcess.start({ dir, settings: { pollIntervalMs: POLL_MS, missThreshold: MISS_THRESHOLD } });
    token = await controller.login();
    for (const [name, region] of [
      ['alpha', 'region-1'],
      ['beta', 'region-2'],
      ['gamma', 'region-3'],
    ] as const) {
      agents.push(await AgentDouble.start(name, region));
    }
  });

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await controller?.stop();
    removeTempDir(dir);
  });

  it('builds the rings once the 3 expected services registered and pushes them to all 3', async () => {
    const first = await agents[a]!.register(controller.url, TEST_JOIN_TOKEN);
    expect(first.status).toBe(200);
    expect(first.body.clusterMap.rings).toHaveLength(0);
    expect((await http('GET', `${controller.url}/v1/rings`, { token })).body.every((r: { built: boolean }) => !r.built)).toBe(true);

    expect((await agents[b]!.register(controller.url, TEST_JOIN_TOKEN)).status).toBe(200);
    const third = await agents[c]!.register(controller.url, TEST_JOIN_TOKEN);
    expect(third.status).toBe(200);
    expect(third.body.clusterMap.rings.map((r) => r.option).sort()).toEqual(['async-3', 'single', 'standard', 'sync-3']);

    const version = await waitFor(() => allHoldCurrent(agents), { description: 'all 3 agents to hold the current map' });
    const map = await currentMap();
    expect(map.version).toBe(version);
    expect(map.services.map((s) => s.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    for (const agent of agents) expect(agent.map?.rings).toHaveLength(4);

    const rings = await http('GET', `${controller.url}/v1/rings/standard`, { token });
    expect(rings.status).toBe(200);
    expect(rings.body.built).toBe(true);
    expect(rings.body.ring.partitions).toBe(256);
    expect(rings.body.ring.services.map((s: { partitionReplicas: number }) => s.partitionReplicas)).toEqual([256, 256, 256]);
    expect(rings.body.ring.dispersionPercent).toBe(100);
  });

  it('marks an agent that stops answering DISCONNECTED within missThreshold polls', async () => {
    const started = Date.now();
    await agents[c]!.pause();
    await waitFor(async () => (await serviceStatus('gamma')) === 'DISCONNECTED', { timeoutMs: 10_000, description: 'gamma DISCONNECTED' });
    // missThreshold polls plus one interval of phase and the poll timeout, with slack for a busy machine.
    expect(Date.now() - started).toBeLessThan((MISS_THRESHOLD + 2) * POLL_MS + 500 + 2_000);
    const map = await currentMap();
    expect(map.services.find((s) => s.name === 'gamma')?.status).toBe('DISCONNECTED');
  });

  it('pushes an admin\'s option change (new ring version) to the agents that answer', async () => {
    const before = await currentMap();
    const singleBefore = before.rings.find((r) => r.option === 'single')!.version;
    const changed = await http('PATCH', `${controller.url}/v1/options/single`, { token, body: { replicas: 2, writeQuorum: 1, readQuorum: 1 } });
    expect(changed.status).toBe(200);
    expect(changed.body.replicas).toBe(2);
    const after = await currentMap();
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.rings.find((r) => r.option === 'single')!.version).toBeGreaterThan(singleBefore);
    expect(after.previousRings.find((r) => r.option === 'single')!.version).toBe(singleBefore);
    await waitFor(() => allHoldCurrent([agents[a]!, agents[b]!]), { description: 'alpha and beta to hold the new map' });
    expect(agents[c]!.version).toBeLessThan(after.version);
  });

  it('gives an agent that comes back the newest map within a poll interval or two', async () => {
    await agents[c]!.resume();
    await waitFor(async () => (await serviceStatus('gamma')) === 'ACTIVE', { timeoutMs: 5_000, description: 'gamma ACTIVE again' });
    await waitFor(() => allHoldCurrent(agents), { timeoutMs: 5_000, description: 'gamma to hold the newest map' });
    const map = await currentMap();
    expect(agents[c]!.ringVersion('single')).toBe(map.rings.find((r) => r.option === 'single')!.version);
  });

  it('gives a 4th agent that joins later the map, and rebalances the rings to include it', async () => {
    const delta = await AgentDouble.start('delta', 'region-4');
    agents.push(delta);
    const standardBefore = (await currentMap()).rings.find((r) => r.option === 'standard')!.version;
    const result = await delta.register(controller.url, TEST_JOIN_TOKEN);
    expect(result.status).toBe(200);
    const version = await waitFor(() => allHoldCurrent(agents), { description: 'all 4 agents to hold the current map' });
    const map = await currentMap();
    expect(map.version).toBe(version);
    expect(map.rings.find((r) => r.option === 'standard')!.version).toBeGreaterThan(standardBefore);
    const ring = await http('GET', `${controller.url}/v1/rings/standard`, { token });
    const delta4 = ring.body.ring.services.find((s: { name: string }) => s.name === 'delta');
    expect(delta4.partitionReplicas).toBeGreaterThan(0);
    expect(ring.body.ring.lastRebalance.moved).toBeGreaterThan(0);
  });

  it('previews a rebuild without changing anything', async () => {
    const before = await currentMap();
    const preview = await http('POST', `${controller.url}/v1/rings/rebuild?dryRun=true`, { token });
    expect(preview.status).toBe(200);
    expect(preview.body.dryRun).toBe(true);
    expect(preview.body.options.map((o: { option: string }) => o.option).sort()).toEqual(['async-3', 'single', 'standard', 'sync-3']);
    expect((await currentMap()).version).toBe(before.version);
  });

  it('deletes only unused options, and removes a service with a rebalance', async () => {
    agents[b]!.containersByOption = { standard: 1 };
    await waitFor(async () => (await http('GET', `${controller.url}/v1/options/standard`, { token })).body.containers === 1, {
      description: 'the controller to see beta\'s containers',
    });
    const refused = await http('DELETE', `${controller.url}/v1/options/standard`, { token });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('Option standard is used by 1 container(s)');

    const created = await http('POST', `${controller.url}/v1/options`, { token, body: { name: 'scratch', replicas: 2, writeQuorum: 1, readQuorum: 1 } });
    expect(created.status).toBe(201);
    expect(created.body.ringVersion).toEqual(expect.any(Number));
    await waitFor(() => agents.every((agent) => agent.ringVersion('scratch') > 0), { description: 'the scratch ring to reach every agent' });
    expect((await http('DELETE', `${controller.url}/v1/options/scratch`, { token })).status).toBe(204);
    expect((await currentMap()).rings.map((r) => r.option)).not.toContain('scratch');

    const removed = await http('DELETE', `${controller.url}/v1/services/delta`, { token });
    expect(removed.status).toBe(200);
    expect(removed.body.status).toBe('REMOVED');
    const map = await currentMap();
    const ring = await http('GET', `${controller.url}/v1/rings/standard`, { token });
    expect(ring.body.ring.services.map((s: { name: string }) => s.name)).toEqual(['alpha', 'beta', 'gamma']);
    expect(map.previousRings.find((r) => r.option === 'standard')!.version).toBe(ring.body.ring.previousVersion);
    await waitFor(() => allHoldCurrent([agents[a]!, agents[b]!, agents[c]!]), { description: 'the remaining agents to hold the map without delta' });
    expect(agents[3]!.version).toBeLessThan(map.version);

    const services = await http('GET', `${controller.url}/v1/services`, { token });
    expect(services.body.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(['alpha:ACTIVE', 'beta:ACTIVE', 'delta:REMOVED', 'gamma:ACTIVE']);
    expect(services.body[0]).toMatchObject({ region: 'region-1', backend: 'fs', clusterMapVersion: expect.any(Number), ringVersions: expect.any(Object), progress: expect.any(Object) });
    const progress = await http('GET', `${controller.url}/v1/cluster/progress`, { token });
    expect(progress.body).toMatchObject({ remaining: 0, unreported: [], settled: true });
    const distances = await http('GET', `${controller.url}/v1/services/distances`, { token });
    expect(distances.body.services).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('never lets an agent apply an older map over a newer one', async () => {
    for (const agent of agents) {
      const received = agent.received;
      for (let i = 1; i < received.length; i++) expect(received[i]).toBeGreaterThanOrEqual(received[i - 1] as number);
      for (let i = 1; i < agent.applied.length; i++) expect(agent.applied[i]).toBeGreaterThan(agent.applied[i - 1] as number);
    }
    // A push straight to an agent by anyone but the controller is refused, and the agent keeps its map.
    const map = await currentMap();
    const stale = { ...map, version: map.version - 1 };
    const answer = await http('PUT', `${agents[a]!.url}/v1/agent/cluster-map`, { headers: agents[b]!.authHeaders(), body: stale });
    expect(answer.status).toBe(401);
    expect(agents[a]!.version).toBe(map.version);
  });

  it('keeps services, options, rings, users and versions across a restart on the same file', async () => {
    const created = await http('POST', `${controller.url}/v1/users`, { token, body: { username: 'carol', password: 'carol-password', role: 'user' } });
    expect(created.status).toBe(201);
    const snapshot = async () => ({
      map: await currentMap(),
      services: (await http('GET', `${controller.url}/v1/services`, { token })).body.map((s: { name: string; status: string; url: string; weight: number }) => ({
        name: s.name,
        status: s.status,
        url: s.url,
        weight: s.weight,
      })),
      options: (await http('GET', `${controller.url}/v1/options`, { token })).body.map((o: Record<string, unknown>) => ({ ...o, containers: undefined })),
      rings: (await http('GET', `${controller.url}/v1/rings`, { token })).body,
      users: (await http('GET', `${controller.url}/v1/users`, { token })).body,
    });
    const before = await snapshot();
    const pid = controller.pid;
    await controller.restart();
    expect(controller.pid).not.toBe(pid);
    token = await controller.login();
    const after = await snapshot();
    expect(after.map.version).toBe(before.map.version);
    expect(after.map).toEqual(before.map);
    expect(after.services).toEqual(before.services);
    expect(after.options).toEqual(before.options);
    expect(after.rings).toEqual(before.rings);
    expect(after.users).toEqual(before.users);
    // Polls after the restart find every agent current: no new version, nothing re-pushed.
    const received = agents.map((agent) => agent.received.length);
    await new Promise((resolve) => setTimeout(resolve, 4 * POLL_MS));
    expect((await currentMap()).version).toBe(before.map.version);
    expect(agents.map((agent) => agent.received.length)).toEqual(received);
    expect(await controller.login('carol', 'carol-password')).toEqual(expect.any(String));
  });
});
