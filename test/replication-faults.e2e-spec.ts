/**
 * Replicas heal themselves: a controller and four agents on fs backends
 * (option standard, R3 W2 Rq2), a few hundred objects, then faults. Every
 * check looks at the backends themselves, through the fs driver.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { FsBackend, ObjectNotFoundError } from '@mcos/backends';
import { Ring } from '@mcos/ring';
import { keyToPathParts } from '../libs/backends/src/fs-key-codec';
import { AgentProcess, ControllerProcess, http, makeTempDir, removeTempDir, sleep, TEST_ADMIN, UserClient, waitFor } from './support';

jest.setTimeout(600_000);

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const ACCOUNT = TEST_ADMIN.username;
const CONTAINER = 'data';
const FAST = {
  peerProbeIntervalMs: 300,
  replication: { intervalMs: 300, objectsPerSecond: 100_000, batchSize: 200 },
  audit: { intervalMs: 500, bytesPerSecond: 500 * 1024 ** 2 },
};

type Expected = { md5: string } | 'deleted';

describe('self-healing replicas (controller + 4 fs agents, option standard)', () => {
  let dir: string;
  let controller: ControllerProcess;
  const agents: AgentProcess[] = [];
  const expected = new Map<string, Expected>();
  let user: UserClient;

  const clientAt = (i: number) => user.at(agents[i].url);
  const key = (name: string) => `o/${ACCOUNT}/${CONTAINER}/${name}`;

  async function startAgent(i: number): Promise<AgentProcess> {
    const a = await AgentProcess.start({ name: `ag-${i}`, region: `r-${i}`, controllerUrl: controller.url, dir: join(dir, `ag-${i}`), settings: FAST });
    agents[i] = a;
    return a;
  }

  function body(i: number): Buffer {
    const sizes = [0, 1, 700, 4096, 30_000, 65_536, 1_500_000];
    return randomBytes(sizes[i % sizes.length]);
  }

  const sizes = new Map<string, number>();

  async function write(at: number, name: string, data: Buffer): Promise<void> {
    const r = await clientAt(at).putObject(CONTAINER, name, data);
    expect(r.status).toBe(201);
    expected.set(name, { md5: md5(data) });
    sizes.set(name, data.length);
  }

  async function remove(at: number, name: string): Promise<void> {
    const r = await clientAt(at).deleteObject(CONTAINER, name);
    expect(r.status).toBe(204);
    expected.set(name, 'deleted');
  }

  /** Ring from a running agent's persisted map (the newest it accepted). */
  function currentRing(from: AgentProcess): Ring {
    const entry = from.persistedMap().rings.find((r) => r.option === 'standard')!;
    return Ring.deserialize(Buffer.from(entry.data, 'base64'));
  }

  function primaries(ring: Ring, name: string): string[] {
    return Array.from(ring.primaries(ring.partitionOf(ACCOUNT, CONTAINER, name)), (i) => ring.serviceAt(i).id).sort();
  }

  /** Who holds any version of each object, and what: read from each backend. */
  async function holdings(services: AgentProcess[]): Promise<Map<string, Map<string, { etag: string; deleted: boolean }>>> {
    const out = new Map<string, Map<string, { etag: string; deleted: boolean }>>();
    for (const a of services) {
      const backend = new FsBackend({ root: a.fsRoot });
      try {
        for (const name of expected.keys()) {
          try {
            const info = await backend.head(key(name));
            const m = out.get(name) ?? new Map();
            m.set(a.name, { etag: info.etag, deleted: info.systemMeta.deleted === '1' });
            out.set(name, m);
          } catch (err) {
            if (!(err instanceof ObjectNotFoundError)) throw err;
          }
        }
      } finally {
        await backend.close();
      }
    }
    return out;
  }

  /** Undefined when every object sits exactly on its primaries with its newest version; else what is wrong. */
  async function placementProblem(ring: Ring, services: AgentProcess[]): Promise<string | undefined> {
    const held = await holdings(services);
    for (const [name, want] of expected) {
      const holders = held.get(name) ?? new Map();
      const prim = primaries(ring, name);
      const names = [...holders.keys()].sort();
      if (want === 'deleted') {
        if ([...holders.values()].some((h) => !h.deleted)) return `${name}: deleted but a live copy remains`;
        if (names.some((n) => !prim.includes(n))) return `${name}: a tombstone sits off its primaries (${names})`;
        continue;
      }
      if (names.join() !== prim.join()) return `${name}: held by [${names}], primaries [${prim}]`;
      for (const [service, h] of holders) if (h.deleted || h.etag !== want.md5) return `${name}: stale copy at ${service}`;
    }
    return undefined;
  }

  async function readAll(at: number): Promise<void> {
    for (const [name, want] of expected) {
      const r = await clientAt(at).getObject(CONTAINER, name);
      if (want === 'deleted') expect([name, r.status]).toEqual([name, 404]);
      else expect([name, r.status, md5(r.body)]).toEqual([name, 200, want.md5]);
    }
  }

  beforeAll(async () => {
    dir = makeTempDir('mcos-heal-e2e-');
    mkdirSync(join(dir, 'controller'));
    controller = await ControllerProcess.start({ dir: join(dir, 'controller'), settings: { expectedServices: 4, autoRebalance: false } });
    for (let i = 0; i < 4; i++) await startAgent(i);
    await Promise.all(agents.map((a) => a.waitUntilServing()));
    user = await UserClient.login(agents[0].url, TEST_ADMIN.username, TEST_ADMIN.password);
    expect((await user.createContainer(CONTAINER, 'standard')).status).toBe(201);
    for (let i = 0; i < 200; i++) await write(i % 4, `obj-${String(i).padStart(3, '0')}`, body(i));
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a?.stop()));
    await controller?.stop();
    removeTempDir(dir);
  });

  it('1-2, 6: an agent killed (controller down too) misses writes and deletes, then is healed agent to agent', async () => {
    await agents[3].kill();
    await controller.stop();
    for (let i = 200; i < 240; i++) await write(i % 3, `obj-${i}`, body(i));
    for (let i = 0; i < 30; i++) await write(i % 3, `obj-${String(i * 5).padStart(3, '0')}`, body(i + 3));
    for (let i = 0; i < 20; i++) await remove(i % 3, `obj-${String(i * 7 + 1).padStart(3, '0')}`);
    await readAll(0);
    await readAll(2);

    await agents[3].start();
    await agents[3].waitUntilServing();
    const ring = currentRing(agents[0]);
    await waitFor(async () => (await placementProblem(ring, agents)) === undefined, { timeoutMs: 90_000, intervalMs: 1000, description: 'every object on its 3 primaries, newest version, no handoff copy' });
    await readAll(3);
    await controller.restart();
  });

  it('3: a fifth agent joins; reads never fail during the migration; objects end exactly on the new primaries', async () => {
    const before = await holdings(agents);
    await startAgent(4);
    const adminToken = await controller.login();
    await waitFor(async () => {
      const services = (await http<{ name: string; status: string }[]>('GET', `${controller.url}/v1/services`, { token: adminToken })).body;
      return services.filter((s) => s.status === 'ACTIVE').length === 5;
    }, { timeoutMs: 30_000, description: '5 ACTIVE services' });

    // Reads every object, round after round, until told to stop; a round always finishes.
    let stop = false;
    let reads = 0;
    let rounds = 0;
    const failures: string[] = [];
    const reader = (async () => {
      while (!stop || rounds === 0) {
        for (const [name, want] of expected) {
          const at = reads % agents.length;
          const r = await clientAt(at).getObject(CONTAINER, name).catch((e: Error) => ({ status: -1, body: Buffer.from(e.message) }));
          reads++;
          const ok = want === 'deleted' ? r.status === 404 : r.status === 200 && md5(r.body) === want.md5;
          if (!ok) failures.push(`${name} at ${agents[at].name}: ${r.status}`);
        }
        rounds++;
      }
    })();

    const rebuilt = await http('POST', `${controller.url}/v1/rings/rebuild`, { token: adminToken });
    expect(rebuilt.status).toBe(200);
    const ringView = (await http('GET', `${controller.url}/v1/rings/standard`, { token: adminToken })).body;
    await waitFor(async () => currentRing(agents[0]).version === ringView.ring.version && currentRing(agents[4]).version === ringView.ring.version, { timeoutMs: 10_000, description: 'new ring everywhere' });
    const ring = currentRing(agents[0]);
    await waitFor(async () => (await placementProblem(ring, agents)) === undefined, { timeoutMs: 120_000, intervalMs: 1000, description: 'migration done' });
    stop = true;
    await reader;
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThanOrEqual(expected.size);

    const after = await holdings(agents);
    let movedReplicas = 0;
    for (const [name, holders] of after) for (const service of holders.keys()) if (!before.get(name)?.has(service)) movedReplicas++;
    const predicted = (expected.size * ringView.ring.lastRebalance.moved) / ringView.ring.partitions;
    process.stdout.write(`migration: ${movedReplicas} object replicas moved, ring predicts ${predicted.toFixed(1)}\n`);
    expect(movedReplicas / predicted).toBeGreaterThan(0.6);
    expect(movedReplicas / predicted).toBeLessThan(1.4);
  });

  it('4: flipped bytes in a replica are found and repaired; GET never returns corrupt bytes', async () => {
    const ring = currentRing(agents[0]);
    const live = [...expected].filter(([, w]) => w !== 'deleted') as [string, { md5: string }][];
    const small = live.find(([n]) => (expected.get(n) as { md5: string }).md5 !== md5(Buffer.alloc(0)) && sizes.get(n)! > 1000 && sizes.get(n)! < 100_000)![0];
    const large = live.find(([n]) => sizes.get(n)! > 1_000_000)![0];
    const victims = [small, large].map((name) => {
      const agent = agents.find((a) => a.name === primaries(ring, name)[0])!;
      const file = join(agent.fsRoot, 'objects', ...keyToPathParts(key(name)));
      const fd = openSync(file, 'r+');
      const one = Buffer.alloc(1);
      readSync(fd, one, 0, 1, 100);
      writeSync(fd, Buffer.from([one[0] ^ 0xff]), 0, 1, 100);
      closeSync(fd);
      return { name, agent, want: (expected.get(name) as { md5: string }).md5 };
    });

    // A small object is verified before the answer starts: it is always served, from an intact replica.
    // A large one is verified while streaming: a corrupt replica's answer is cut short, never delivered whole.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < agents.length; i++) {
        const s = await clientAt(i).getObject(CONTAINER, small);
        expect([s.status, md5(s.body)]).toEqual([200, victims[0].want]);
        const l = await clientAt(i).getObject(CONTAINER, large).catch(() => undefined);
        if (l && l.status === 200) expect(md5(l.body)).toBe(victims[1].want);
      }
    }
    for (const v of victims) {
      await waitFor(async () => {
        const backend = new FsBackend({ root: v.agent.fsRoot });
        try {
          const got = await backend.get(key(v.name));
          const chunks: Buffer[] = [];
          for await (const c of got.body) chunks.push(c as Buffer);
          return md5(Buffer.concat(chunks)) === v.want;
        } finally {
          await backend.close();
        }
      }, { timeoutMs: 30_000, intervalMs: 500, description: `corrupt replica of ${v.name} restored` });
    }
    const adminToken = await controller.login();
    await waitFor(async () => {
      const services = (await http('GET', `${controller.url}/v1/services`, { token: adminToken })).body as { name: string; progress: { corrupt: number } }[];
      const corrupt = services.reduce((n, s) => n + s.progress.corrupt, 0);
      return corrupt >= 1;
    }, { timeoutMs: 10_000, description: 'corruption reported to the controller' });
  });

  it('5: removing a service drains it: every object is again on 3 of the remaining services', async () => {
    const adminToken = await controller.login();
    const removed = agents[1];
    expect((await http('DELETE', `${controller.url}/v1/services/${removed.name}`, { token: adminToken })).status).toBeLessThan(300);
    const remaining = agents.filter((a) => a !== removed);
    await waitFor(async () => !currentRing(remaining[0]).services.some((s) => s.id === removed.name), { timeoutMs: 15_000, description: 'ring without the removed service' });
    const ring = currentRing(remaining[0]);
    await waitFor(async () => (await placementProblem(ring, remaining)) === undefined, { timeoutMs: 120_000, intervalMs: 1000, description: 'drained to the remaining services' });
    await removed.stop();
    for (let i = 0; i < remaining.length; i++) await readAll(agents.indexOf(remaining[i]));
  });
});
