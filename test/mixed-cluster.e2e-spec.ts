/**
 * One cluster over four kinds of cloud: a controller and four agents on an
 * fs directory, S3 (a real s3rver), OpenStack Swift (a real single-node
 * Swift, native API with tempauth) and Azure Blob (a real Azurite); option
 * standard (R3 W2 Rq2). Users speak only HTTP; every replica is checked on
 * its backend through that backend's own driver. Then Azurite is stopped
 * (reads and writes go on) and restarted (the replicas it missed are healed).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FsBackend, ObjectNotFoundError, createBackend, type ObjectBackend } from '@mcos/backends';
import { Ring } from '@mcos/ring';
import {
  requireServer,
  startAzurite,
  startS3rver,
  startSwift,
  swiftUnavailableReason,
  type AzuriteHandle,
  type S3rverHandle,
  type SwiftHandle,
} from '../libs/backends/src/testing/servers';
import { AgentProcess, ControllerProcess, makeTempDir, removeTempDir, TEST_ADMIN, UserClient, waitFor } from './support';

jest.setTimeout(300_000);

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const ACCOUNT = TEST_ADMIN.username;
const CONTAINER = 'mixed';
const FAST = {
  peerProbeIntervalMs: 300,
  replication: { intervalMs: 300, objectsPerSecond: 100_000, batchSize: 200 },
  // Auditing is not under test here; on 2 shared cores back-to-back audit passes would slow everything else.
  audit: { intervalMs: 60_000, bytesPerSecond: 50 * 1024 ** 2 },
};
const SIZES = [0, 1, 1_000, 10_000, 100_000, 700_000, 2_500_000];

type Expected = { md5: string; size: number } | 'deleted';

const describeWithSwift = requireServer('OpenStack Swift', swiftUnavailableReason()).describe;

describeWithSwift('mixed cluster (fs + s3 on s3rver + swift on Swift + azure on Azurite, option standard)', () => {
  let dir: string;
  let s3: S3rverHandle;
  let swift: SwiftHandle;
  let azurite: AzuriteHandle;
  let controller: ControllerProcess;
  const agents: AgentProcess[] = [];
  /** Each agent's backend, reached through its own driver (not through MCOS). */
  const backends = new Map<string, ObjectBackend>();
  const expected = new Map<string, Expected>();
  let user: UserClient;

  const key = (name: string) => `o/${ACCOUNT}/${CONTAINER}/${name}`;
  const at = (agent: AgentProcess) => user.at(agent.url);

  beforeAll(async () => {
    dir = makeTempDir('mcos-mixed-e2e-');
    [s3, swift, azurite] = await Promise.all([
      startS3rver({ dir: join(dir, 's3rver') }),
      startSwift({ dir: join(dir, 'swift'), containers: ['mcos'] }),
      startAzurite({ dir: join(dir, 'azurite'), containers: ['mcos'] }),
    ]);
    const settings = {
      fs: { type: 'fs' },
      s3: { type: 's3', endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, prefix: 'mcos/' },
      swift: { type: 'swift', authUrl: swift.authUrl, username: swift.user, password: swift.key, container: 'mcos' },
      azure: { type: 'azure', endpoint: azurite.endpoint, accountName: azurite.accountName, accountKey: azurite.accountKey, container: 'mcos' },
    } as const;
    mkdirSync(join(dir, 'controller'));
    controller = await ControllerProcess.start({ dir: join(dir, 'controller'), settings: { expectedServices: 4, autoRebalance: false } });
    let i = 0;
    for (const [kind, backend] of Object.entries(settings)) {
      i++;
      agents.push(await AgentProcess.start({ name: kind, region: `region-${i}`, controllerUrl: controller.url, dir: join(dir, kind), backend, settings: FAST }));
    }
    await Promise.all(agents.map((a) => a.waitUntilServing()));
    backends.set('fs', new FsBackend({ root: agents[0].fsRoot }));
    backends.set('s3', createBackend({ ...settings.s3, maxAttempts: 1 }));
    backends.set('swift', createBackend({ type: 'swift', auth: { type: 'tempauth', authUrl: swift.authUrl, username: swift.user, password: swift.key }, container: 'mcos' }));
    backends.set('azure', createBackend({ type: 'azure', endpoint: azurite.endpoint, accountName: azurite.accountName, accountKey: azurite.accountKey, container: 'mcos', maxTries: 1 }));
    user = await UserClient.login(agents[0].url, TEST_ADMIN.username, TEST_ADMIN.password);
  }, 180_000);

  afterAll(async () => {
    for (const b of backends.values()) await b.close();
    await Promise.all(agents.map((a) => a.stop()));
    await controller?.stop();
    await Promise.all([s3?.stop(), swift?.stop(), azurite?.stop()]);
    removeTempDir(dir);
  }, 60_000);

  function ring(): Ring {
    const entry = agents[0].persistedMap().rings.find((r) => r.option === 'standard')!;
    return Ring.deserialize(Buffer.from(entry.data, 'base64'));
  }

  function primaries(r: Ring, name: string): string[] {
    return Array.from(r.primaries(r.partitionOf(ACCOUNT, CONTAINER, name)), (i) => r.serviceAt(i).id).sort();
  }

  /** Undefined when every object sits on exactly its primaries, newest version (or tombstone), read from each backend; else what is wrong. */
  async function placementProblem(): Promise<string | undefined> {
    const r = ring();
    for (const [name, want] of expected) {
      const held = new Map<string, { etag: string; size: number; deleted: boolean }>();
      for (const [service, backend] of backends) {
        try {
          const info = await backend.head(key(name));
          held.set(service, { etag: info.etag, size: info.size, deleted: info.systemMeta.deleted === '1' });
        } catch (err) {
          if (!(err instanceof ObjectNotFoundError)) return `${name} on ${service}: ${(err as Error).message}`;
        }
      }
      const prim = primaries(r, name);
      const holders = [...held.keys()].sort();
      if (want === 'deleted') {
        if ([...held.values()].some((h) => !h.deleted)) return `${name}: deleted, but a live copy remains on [${holders}]`;
        if (holders.some((h) => !prim.includes(h))) return `${name}: a tombstone sits off its primaries [${holders}] vs [${prim}]`;
        continue;
      }
      if (holders.join() !== prim.join()) return `${name}: held by [${holders}], primaries [${prim}]`;
      for (const [service, h] of held) {
        if (h.deleted || h.etag !== want.md5 || h.size !== want.size) return `${name}: stale or wrong copy on ${service}`;
      }
    }
    return undefined;
  }

  /** The agents (default all) serve every live object with the same bytes and ETag, and 404 for deleted ones. */
  async function readEverywhere(through: AgentProcess[] = agents): Promise<void> {
    for (const [name, want] of expected) {
      for (const agent of through) {
        const got = await at(agent).getObject(CONTAINER, name);
        if (want === 'deleted') expect([name, agent.name, got.status]).toEqual([name, agent.name, 404]);
        else {
          expect([name, agent.name, got.status, md5(got.body), got.headers.get('etag')]).toEqual([name, agent.name, 200, want.md5, `"${want.md5}"`]);
        }
      }
    }
  }

  async function write(agent: AgentProcess, name: string, data: Buffer): Promise<void> {
    const r = await at(agent).putObject(CONTAINER, name, data, { 'content-type': 'application/x-test', 'x-object-meta-kind': agent.name });
    expect([name, r.status]).toEqual([name, 201]);
    expect(r.json().etag).toBe(md5(data));
    expected.set(name, { md5: md5(data), size: data.length });
  }

  it('runs every user operation through every agent', async () => {
    for (const agent of agents) {
      const u = await UserClient.login(agent.url, TEST_ADMIN.username, TEST_ADMIN.password);
      const c = `ops-${agent.name}`;
      expect((await u.createContainer(c)).status).toBe(201);
      expect((await u.request('GET', '/v1/containers')).json().containers.map((x: { name: string }) => x.name)).toContain(c);
      expect((await u.request('GET', `/v1/containers/${c}`)).json()).toMatchObject({ name: c, option: 'standard' });
      const v1 = randomBytes(300_000);
      expect((await u.putObject(c, 'dir/ü name.bin', v1, { 'x-object-meta-color': 'blue' })).json()).toMatchObject({ etag: md5(v1), size: v1.length });
      const v2 = randomBytes(1234);
      expect((await u.putObject(c, 'dir/ü name.bin', v2, { 'x-object-meta-color': 'green' })).json()).toMatchObject({ etag: md5(v2) });
      const head = await u.request('HEAD', `/v1/containers/${c}/objects/dir/${encodeURIComponent('ü name.bin')}`);
      expect([head.status, head.headers.get('etag'), head.headers.get('x-object-meta-color')]).toEqual([200, `"${md5(v2)}"`, 'green']);
      const stat = (await u.statObject(c, 'dir/ü name.bin')).json();
      expect(stat).toMatchObject({ size: v2.length, etag: md5(v2), option: 'standard' });
      const got = await u.getObject(c, 'dir/ü name.bin', { range: 'bytes=10-19' });
      expect([got.status, got.body.equals(v2.subarray(10, 20))]).toEqual([206, true]);
      expect((await u.listObjects(c, 'prefix=dir/')).json()).toMatchObject({ objects: [{ name: 'dir/ü name.bin', size: v2.length }], complete: true });
      expect((await u.deleteObject(c, 'dir/ü name.bin')).status).toBe(204);
      expect((await u.getObject(c, 'dir/ü name.bin')).status).toBe(404);
      expect((await u.request('DELETE', `/v1/containers/${c}`)).status).toBe(204);
      expect((await u.request('GET', `/v1/containers/${c}`)).status).toBe(404);
    }
  });

  it('serves 100 objects identically from every agent, each replica on its ring primaries whatever the backend', async () => {
    expect((await user.createContainer(CONTAINER, 'standard')).status).toBe(201);
    for (let i = 0; i < 100; i++) {
      await write(agents[i % agents.length], `obj-${String(i).padStart(3, '0')}/${i % 3 === 0 ? 'ü ' : ''}${i}.bin`, randomBytes(SIZES[i % SIZES.length]));
    }
    // Writes answer at W=2; the third replica follows in the background.
    await waitFor(async () => (await placementProblem()) === undefined, { timeoutMs: 60_000, intervalMs: 1000, description: 'every object on its three primaries' });
    const perKind = new Map<string, number>();
    const r = ring();
    for (const name of expected.keys()) for (const p of primaries(r, name)) perKind.set(p, (perKind.get(p) ?? 0) + 1);
    // Every backend kind holds a share of the replicas.
    expect([...perKind.keys()].sort()).toEqual(['azure', 'fs', 's3', 'swift']);
    await readEverywhere();
    const listing = (await at(agents[2]).listObjects(CONTAINER, 'limit=1000')).json();
    expect(listing.complete).toBe(true);
    expect(listing.objects.map((o: { name: string }) => o.name)).toEqual([...expected.keys()].sort());
  });

  it('keeps reading and writing while Azurite is down, and heals the azure replicas once it is back', async () => {
    const azureAgent = agents.find((a) => a.name === 'azure')!;
    await azurite.stop();
    const names = [...expected.keys()];
    // New objects, overwrites and deletes through every agent, the azure one included.
    for (let i = 0; i < 20; i++) {
      await write(agents[i % agents.length], `during/${i}.bin`, randomBytes(SIZES[(i + 2) % SIZES.length]));
    }
    for (let i = 0; i < 10; i++) await write(agents[(i + 1) % agents.length], names[i * 7], randomBytes(SIZES[(i + 4) % SIZES.length]));
    for (let i = 0; i < 5; i++) {
      const name = names[i * 11 + 3];
      expect((await at(agents[i % agents.length]).deleteObject(CONTAINER, name)).status).toBe(204);
      expected.set(name, 'deleted');
    }
    await readEverywhere();
    expect(await placementProblem()).toMatch(/azure/);

    azurite = await startAzurite({ dir: azurite.dir, port: azurite.port, containers: ['mcos'] });
    await waitFor(async () => (await placementProblem()) === undefined, { timeoutMs: 120_000, intervalMs: 1000, description: 'every object back on its primaries, newest version' });
    await readEverywhere([azureAgent]);
    expect((await at(azureAgent).listObjects(CONTAINER, 'prefix=during/')).json().objects).toHaveLength(20);
  });
});
