import { ObjectNotFoundError } from '@mcos/backends';
import { formatTimestamp } from '../clock/timestamp';
import { objectKey } from '../storage/object-key';
import type { OutgoingVersion } from '../storage/replica-version';
import { nameWhere } from '../testing/find-name';
import { TestCluster, type TestAgent } from '../testing/test-cluster';
import { bodyOf, readAll } from '../testing/test-node';

const WHERE = { account: 'alice', container: 'photos', option: 'standard' };
const RETENTION_MS = 60_000;

describe('Replicator.runPass (4 services, R=2)', () => {
  let cluster: TestCluster;
  let agent: TestAgent;

  TestCluster.perTest(
    {
      services: ['a', 'b', 'c', 'd'].map((name) => ({ name })),
      options: [{ name: 'standard', replicas: 2, writeQuorum: 1, readQuorum: 1 }],
    },
    async (created) => {
      cluster = created;
      agent = await cluster.agent('a', { replicator: { objectsPerSecond: 1_000_000, batchSize: 2, tombstoneRetentionMs: RETENTION_MS } });
    },
  );

  const now = (extraMs = 0) => formatTimestamp({ ms: cluster.clock.now() + extraMs, counter: 0, serviceId: 'a' });
  const version = (timestamp: string, extra: Partial<OutgoingVersion> = {}): OutgoingVersion => ({ timestamp, deleted: false, option: 'standard', userMeta: {}, ...extra });
  /** An object of which `a` is a home, and its other home. */
  const homeObject = () => {
    const { name, placement } = nameWhere(agent.placement, WHERE, (p) => p.primaries.includes('a'));
    return { key: objectKey({ ...WHERE, name }), other: placement.primaries.find((s) => s !== 'a')! };
  };
  /** An object `a` holds only as a handoff, and its two homes. */
  const handoffObject = () => {
    const { name, placement } = nameWhere(agent.placement, WHERE, (p) => !p.primaries.includes('a'));
    return { key: objectKey({ ...WHERE, name }), homes: placement.primaries };
  };
  const heldBy = (service: string, key: string) => cluster.node(service).index.get(key);

  it('pushes a version a home is missing, and one newer than the home holds', async () => {
    const missing = homeObject();
    await cluster.node('a').local.write(missing.key, version(now(), { size: 4 }), bodyOf('data'));
    const result = await agent.replicator.runPass();
    expect(result).toMatchObject({ scanned: 1, pushed: 1, moved: 0, failures: 0, remainingByOption: {} });
    const pushed = await cluster.node(missing.other).local.read(missing.key);
    expect((await readAll(pushed!.body)).toString()).toBe('data');
    expect(pushed!.version.timestamp).toBe(now());
    expect(heldBy('a', missing.key)?.timestamp).toBe(now()); // a home keeps its copy

    await cluster.node('a').local.write(missing.key, version(now(1), { size: 5 }), bodyOf('newer'));
    expect((await agent.replicator.runPass()).pushed).toBe(1);
    expect(heldBy(missing.other, missing.key)).toMatchObject({ timestamp: now(1), size: 5 });
    expect((await agent.replicator.runPass()).pushed).toBe(0); // every home is up to date: nothing to do
    expect(agent.progress.snapshot()).toMatchObject({ scanned: 3, pushed: 2 });
  });

  it('drops a handoff copy once every home confirmed it', async () => {
    const { key, homes } = handoffObject();
    await cluster.node('a').local.write(key, version(now(), { size: 4 }), bodyOf('data'));
    const result = await agent.replicator.runPass();
    expect(result).toMatchObject({ pushed: 2, moved: 1, remainingByOption: {} });
    for (const home of homes) expect(heldBy(home, key)?.timestamp).toBe(now());
    expect(heldBy('a', key)).toBeUndefined();
    await expect(cluster.node('a').backend.head(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('keeps a handoff copy while a home cannot confirm, and drops it after the home is back', async () => {
    const { key, homes } = handoffObject();
    await cluster.node('a').local.write(key, version(now(), { size: 4 }), bodyOf('data'));
    cluster.peers.setFaults(homes[1], { failVersions: true });
    const first = await agent.replicator.runPass();
    expect(first).toMatchObject({ moved: 0, remainingByOption: { standard: 1 } });
    expect(heldBy(homes[0], key)?.timestamp).toBe(now()); // the reachable home got it
    expect(heldBy('a', key)?.timestamp).toBe(now());

    cluster.peers.setFaults(homes[1], {});
    cluster.clock.advance(30_001); // PeerHealth stops skipping it
    const second = await agent.replicator.runPass();
    expect(second).toMatchObject({ pushed: 1, moved: 1, remainingByOption: {} });
    expect(heldBy('a', key)).toBeUndefined();
  });

  it('keeps a handoff copy when a push to a home fails', async () => {
    const { key, homes } = handoffObject();
    await cluster.node('a').local.write(key, version(now(), { size: 4 }), bodyOf('data'));
    cluster.peers.setFaults(homes[0], { failWrites: true });
    const result = await agent.replicator.runPass();
    expect(result).toMatchObject({ failures: 1, moved: 0, remainingByOption: { standard: 1 } });
    expect(heldBy(homes[0], key)).toBeUndefined();
    expect(heldBy('a', key)?.timestamp).toBe(now());
  });

  it('reclaims a tombstone after the retention period once every home holds it, not before', async () => {
    const { key, other } = homeObject();
    await cluster.node('a').local.write(key, version(now(), { size: 0, deleted: true }), bodyOf(''));
    const tombstone = now();
    const early = await agent.replicator.runPass();
    expect(early).toMatchObject({ pushed: 1, reclaimed: 0 });
    expect(heldBy(other, key)).toMatchObject({ timestamp: tombstone, deleted: true });
    expect(heldBy('a', key)?.deleted).toBe(true);

    cluster.clock.advance(RETENTION_MS); // not past it yet
    expect((await agent.replicator.runPass()).reclaimed).toBe(0);
    expect(heldBy('a', key)?.deleted).toBe(true);

    cluster.clock.advance(1);
    const late = await agent.replicator.runPass();
    expect(late).toMatchObject({ pushed: 0, reclaimed: 1 });
    expect(heldBy('a', key)).toBeUndefined();
  });

  it('reclaims an expired tombstone a home already reclaimed, without pushing it back there', async () => {
    const { key, other } = homeObject();
    await cluster.node('a').local.write(key, version(now(), { size: 0, deleted: true }), bodyOf(''));
    await cluster.node(other).local.write(key, version(now(), { size: 0, deleted: true }), bodyOf(''));
    cluster.clock.advance(RETENTION_MS + 1);
    // The other home reclaimed its copy first.
    expect(await cluster.node(other).local.drop(key, now(-RETENTION_MS - 1))).toBe(true);
    const pass = await agent.replicator.runPass();
    expect(pass).toMatchObject({ pushed: 0, reclaimed: 1 });
    expect(heldBy('a', key)).toBeUndefined();
    expect(heldBy(other, key)).toBeUndefined();
  });

  it('keeps an old tombstone while a home has not confirmed it', async () => {
    const { key, other } = homeObject();
    await cluster.node('a').local.write(key, version(now(), { size: 0, deleted: true }), bodyOf(''));
    cluster.clock.advance(RETENTION_MS + 1);
    cluster.peers.setFaults(other, { down: true });
    const result = await agent.replicator.runPass();
    expect(result).toMatchObject({ reclaimed: 0, remainingByOption: { standard: 1 } });
    expect(heldBy('a', key)?.deleted).toBe(true);
  });

  it('walks the whole index in batches', async () => {
    for (let i = 0; i < 5; i++) {
      const key = objectKey({ ...WHERE, name: `batch-${i}` });
      await cluster.node('a').local.write(key, version(now(), { size: 1 }), bodyOf('x'));
    }
    const result = await agent.replicator.runPass();
    expect(result.scanned).toBe(5);
    expect(result.remainingByOption).toEqual({});
    for (let i = 0; i < 5; i++) {
      const key = objectKey({ ...WHERE, name: `batch-${i}` });
      for (const home of agent.placement.forObject(WHERE.account, WHERE.container, `batch-${i}`, 'standard').primaries) {
        expect(heldBy(home, key)?.timestamp).toBe(now());
      }
    }
  });
});
