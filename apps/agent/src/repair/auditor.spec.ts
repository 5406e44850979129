import { createHash } from 'node:crypto';
import { formatTimestamp } from '../clock/timestamp';
import { objectKey } from '../storage/object-key';
import { nameWhere } from '../testing/find-name';
import { TestCluster, type TestAgent } from '../testing/test-cluster';
import { bodyOf, corruptReplica, readAll } from '../testing/test-node';
import { QUARANTINE_PREFIX } from './auditor';
import { RateLimiter } from './rate-limiter';

const WHERE = { account: 'alice', container: 'photos', option: 'standard' };
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('Auditor.runPass (3 services, R=2)', () => {
  let cluster: TestCluster;
  let agent: TestAgent;

  TestCluster.perTest(
    {
      services: ['a', 'b', 'c'].map((name) => ({ name })),
      options: [{ name: 'standard', replicas: 2, writeQuorum: 2, readQuorum: 1 }],
    },
    async (created) => {
      cluster = created;
      agent = await cluster.agent('a');
    },
  );

  const ts = () => formatTimestamp({ ms: cluster.clock.now(), counter: 0, serviceId: 'a' });
  /** Writes the same version of an object on `a` and on its other home; returns the key and that home. */
  const replicated = async (data: Buffer) => {
    const { name, placement } = nameWhere(agent.placement, WHERE, (p) => p.primaries.includes('a'));
    const key = objectKey({ ...WHERE, name });
    const version = { timestamp: ts(), deleted: false, option: 'standard', size: data.length, userMeta: {} };
    const other = placement.primaries.find((s) => s !== 'a')!;
    for (const s of ['a', other]) await cluster.node(s).local.write(key, version, bodyOf(data));
    return { key, other };
  };
  const quarantined = async () => (await cluster.node('a').backend.list({ prefix: QUARANTINE_PREFIX })).items.map((i) => i.key);

  it('leaves good replicas alone', async () => {
    await replicated(Buffer.from('fine'));
    expect(await agent.auditor.runPass()).toEqual({ audited: 1, corrupt: 0, repaired: 0 });
    expect(await quarantined()).toEqual([]);
    expect(cluster.peers.calls).toEqual([]);
  });

  it('quarantines a replica with a flipped byte and restores it from a good holder', async () => {
    const data = Buffer.from('precious bytes');
    const { key, other } = await replicated(data);
    corruptReplica(cluster.node('a'), data);
    expect(await agent.auditor.runPass()).toEqual({ audited: 1, corrupt: 1, repaired: 1 });
    expect(await quarantined()).toEqual([`${QUARANTINE_PREFIX}${ts()}/${key}`]);
    const kept = await cluster.node('a').backend.get(`${QUARANTINE_PREFIX}${ts()}/${key}`);
    const bad = await readAll(kept.body);
    expect(bad.equals(data)).toBe(false);
    expect(bad.length).toBe(data.length);
    const restored = await cluster.node('a').local.read(key);
    expect((await readAll(restored!.body)).equals(data)).toBe(true);
    expect(cluster.node('a').index.get(key)).toMatchObject({ etag: md5(data), timestamp: ts() });
    expect(cluster.peers.callsTo(other, 'getReplica')).toHaveLength(1);
    expect(agent.progress.snapshot()).toMatchObject({ corrupt: 1, failures: 0 });
    // The next pass finds nothing to do.
    expect(await agent.auditor.runPass()).toEqual({ audited: 1, corrupt: 0, repaired: 0 });
  });

  it('keeps the quarantined copy and counts a failure when no good replica is reachable', async () => {
    const data = Buffer.from('only copy left');
    const { key, other } = await replicated(data);
    corruptReplica(cluster.node('a'), data);
    cluster.peers.setFaults(other, { down: true });
    expect(await agent.auditor.runPass()).toEqual({ audited: 1, corrupt: 1, repaired: 0 });
    expect(await quarantined()).toEqual([`${QUARANTINE_PREFIX}${ts()}/${key}`]);
    expect(cluster.node('a').index.get(key)).toBeUndefined();
    expect(agent.progress.snapshot()).toMatchObject({ corrupt: 1, failures: 1 });
  });

  it('reads at most bytesPerSecond: it asks the limiter for every byte it audits', async () => {
    const taken: number[] = [];
    const slept: number[] = [];
    const paced = await cluster.agent('a', {
      auditor: { bytesPerSecond: 1000 },
      // The real limiter, on the manual clock: a wait moves the clock instead of sleeping.
      auditorPacer: (perSecond) => {
        const limiter = new RateLimiter(perSecond, () => cluster.clock.now(), async (ms) => {
          slept.push(ms);
          cluster.clock.advance(ms);
        });
        return { take: (units) => (taken.push(units), limiter.take(units)) };
      },
    });
    for (let i = 0; i < 3; i++) {
      const key = objectKey({ ...WHERE, name: `big-${i}` });
      await cluster.node('a').local.write(key, { timestamp: ts(), deleted: false, option: 'standard', size: 1000, userMeta: {} }, bodyOf(Buffer.alloc(1000, i)));
    }
    const started = cluster.clock.now();
    expect((await paced.auditor.runPass()).audited).toBe(3);
    expect(taken).toEqual([1000, 1000, 1000]);
    // 3000 bytes at 1000 B/s with a one-second burst: two seconds of waiting.
    const elapsedMs = cluster.clock.now() - started;
    expect(elapsedMs).toBe(2000);
    expect(slept).toEqual([1000, 1000]);
    expect(taken.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1000 * (elapsedMs / 1000 + 1));
  });
});
