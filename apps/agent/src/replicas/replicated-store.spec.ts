import { createHash } from 'node:crypto';
import { UnavailableError } from '@mcos/common';
import { formatTimestamp } from '../clock/timestamp';
import { objectKey } from '../storage/object-key';
import type { OutgoingVersion } from '../storage/replica-version';
import { nameWhere } from '../testing/find-name';
import { TestCluster, type TestAgent } from '../testing/test-cluster';
import { testRing } from '../testing/test-cluster-map';
import { bodyOf, readAll } from '../testing/test-node';
import { REPLAYABLE_BODY_BYTES } from './replica-writer';

const SERVICES = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name }));
const WHERE = { account: 'alice', container: 'photos', option: 'standard' };
const ts = (ms: number, service = 'x') => formatTimestamp({ ms, counter: 0, serviceId: service });
const version = (ms: number, extra: Partial<OutgoingVersion> = {}): OutgoingVersion => ({
  timestamp: ts(ms),
  deleted: false,
  option: 'standard',
  userMeta: {},
  ...extra,
});
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('ReplicatedStore over real local replicas (R=3, W=2, Rq=2)', () => {
  let cluster: TestCluster;
  let sut: TestAgent;

  TestCluster.perTest(
    {
      services: SERVICES,
      options: [
        { name: 'standard', replicas: 3, writeQuorum: 2, readQuorum: 2 },
        // The same policy on a ring without `a`: every target of a write is a peer, every fault scriptable.
        { name: 'elsewhere', replicas: 3, writeQuorum: 2, readQuorum: 2, ringOver: ['b', 'c', 'd', 'e', 'f'] },
      ],
    },
    async (created) => {
      cluster = created;
      sut = await cluster.agent('a');
    },
  );

  /** An object of the option whose ring does not hold `a`. */
  const remoteObject = () => {
    const { name, placement } = nameWhere(sut.placement, { ...WHERE, option: 'elsewhere' }, () => true);
    return { key: objectKey({ ...WHERE, name }), placement };
  };
  const holds = (service: string, key: string) => cluster.node(service).index.get(key)?.timestamp;

  describe('write', () => {
    it('answers once W of R replicas are durable, and the last one finishes after the answer', async () => {
      const { key, placement } = remoteObject();
      const slow = placement.primaries[2];
      let release!: () => void;
      cluster.peers.setFaults(slow, { gate: new Promise<void>((resolve) => (release = resolve)) });
      const result = await sut.store.write(key, version(10, { size: 5 }), bodyOf('hello'), placement.write);
      expect(result.outcomes.map((o) => o.service).sort()).toEqual(placement.primaries.slice(0, 2).sort());
      expect(holds(slow, key)).toBeUndefined();
      release();
      expect((await result.allSettled).every((o) => o.ok)).toBe(true);
      expect(holds(slow, key)).toBe(ts(10));
    });

    it('succeeds with W of R replicas durable, and reports the one that failed', async () => {
      const { key, placement } = remoteObject();
      const [p0, p1, p2] = placement.primaries;
      cluster.peers.setFaults(p1, { failWrites: true });
      const data = Buffer.alloc(REPLAYABLE_BODY_BYTES + 1, 1); // too large to replay on a spare
      const result = await sut.store.write(key, version(10, { size: data.length }), bodyOf(data), placement.write);
      expect(result.etag).toBe(md5(data));
      const all = await result.allSettled;
      expect(all.filter((o) => o.ok).map((o) => o.service).sort()).toEqual([p0, p2].sort());
      expect(all.find((o) => o.service === p1)).toMatchObject({ ok: false });
      expect([holds(p0, key), holds(p1, key), holds(p2, key)]).toEqual([ts(10), undefined, ts(10)]);
      for (const h of placement.handoffs) expect(holds(h, key)).toBeUndefined();
    });

    it('puts the next usable handoff in place of a primary known to be down, before writing', async () => {
      const { key, placement } = remoteObject();
      const [p0, p1, p2] = placement.primaries;
      const [h0, h1] = placement.handoffs;
      sut.health.recordFailure(p1);
      sut.health.recordFailure(h0); // down too: the next one is used
      const result = await sut.store.write(key, version(10, { size: 5 }), bodyOf('hello'), placement.write);
      const all = await result.allSettled;
      expect(all.map((o) => o.service).sort()).toEqual([p0, h1, p2].sort());
      expect(all.every((o) => o.ok)).toBe(true);
      expect(cluster.peers.callsTo(p1)).toEqual([]);
      expect(cluster.peers.callsTo(h0)).toEqual([]);
      expect(holds(h1, key)).toBe(ts(10));
    });

    it('replays a small body on a spare when a target fails mid-write', async () => {
      const { key, placement } = remoteObject();
      const [p0, p1, p2] = placement.primaries;
      const h0 = placement.handoffs[0];
      cluster.peers.setFaults(p1, { failWrites: true });
      const data = Buffer.alloc(REPLAYABLE_BODY_BYTES, 2); // exactly the largest replayable body
      const result = await sut.store.write(key, version(10, { size: data.length }), bodyOf(data), placement.write);
      const all = await result.allSettled;
      expect(all.filter((o) => o.ok).map((o) => o.service).sort()).toEqual([p0, h0, p2].sort());
      expect(cluster.peers.callsTo(p1, 'putReplica')).toHaveLength(1);
      expect(holds(p1, key)).toBeUndefined();
      const onSpare = await cluster.node(h0).local.read(key);
      expect(md5(await readAll(onSpare!.body))).toBe(md5(data));
    });

    it('does not use a spare for a body over 1 MiB: the replicator brings the missing replica later', async () => {
      const { key, placement } = remoteObject();
      const p1 = placement.primaries[1];
      cluster.peers.setFaults(p1, { failWrites: true });
      const data = Buffer.alloc(REPLAYABLE_BODY_BYTES + 1, 3);
      const result = await sut.store.write(key, version(10, { size: data.length }), bodyOf(data), placement.write);
      await result.allSettled;
      for (const h of placement.handoffs) {
        expect(cluster.peers.callsTo(h)).toEqual([]);
        expect(holds(h, key)).toBeUndefined();
      }
    });

    it('fails with UnavailableError, and reports no success, when fewer than W replicas can be written', async () => {
      const { key, placement } = remoteObject();
      const [, p1, p2] = placement.primaries;
      cluster.peers.setFaults(p1, { failWrites: true });
      cluster.peers.setFaults(p2, { failWrites: true });
      const data = Buffer.alloc(REPLAYABLE_BODY_BYTES + 1, 4);
      await expect(sut.store.write(key, version(10, { size: data.length }), bodyOf(data), placement.write)).rejects.toBeInstanceOf(UnavailableError);
    });

    it('refuses before sending a byte when fewer than W services are usable', async () => {
      const { key, placement } = remoteObject();
      // Two primaries down and every handoff down: one target is left for W=2.
      for (const s of [...placement.primaries.slice(1), ...placement.handoffs]) sut.health.recordFailure(s);
      await expect(sut.store.write(key, version(10, { size: 5 }), bodyOf('hello'), placement.write)).rejects.toThrow(
        /only 1 services can take a write now, 2 are required/,
      );
      expect(cluster.peers.calls.filter((c) => c.op === 'putReplica')).toEqual([]);
    });
  });

  describe('statNewest and read', () => {
    /** An object whose first primary is `a`, so that the read order is known: a, then the other primaries in ring order. */
    const localObject = () => {
      const { name, placement } = nameWhere(sut.placement, WHERE, (p) => p.primaries[0] === 'a');
      return { key: objectKey({ ...WHERE, name }), placement };
    };
    const put = async (service: string, key: string, ms: number, data: string, extra: Partial<OutgoingVersion> = {}) => {
      await cluster.node(service).local.write(key, version(ms, { size: Buffer.byteLength(data), ...extra }), bodyOf(data));
    };

    it('compares Rq answers and takes the newest, then reads it from a holder of that version', async () => {
      const { key, placement } = localObject();
      const [, p1, p2] = placement.primaries;
      await put('a', key, 10, 'old');
      await put(p1, key, 30, 'newest');
      await put(p2, key, 20, 'middle');
      const newest = await sut.store.statNewest(key, placement.read);
      expect(newest?.version.timestamp).toBe(ts(30));
      expect(newest?.holders).toEqual([p1]);
      const got = await sut.store.read(key, placement.read);
      expect(got?.servedBy).toBe(p1);
      expect((await readAll(got!.body)).toString()).toBe('newest');
    });

    it('asks only Rq services when they answer', async () => {
      const { key, placement } = localObject();
      const [, p1, p2] = placement.primaries;
      await put('a', key, 10, 'old');
      await put(p1, key, 20, 'new');
      await sut.store.statNewest(key, placement.read);
      expect(cluster.peers.callsTo(p1, 'statReplica')).toHaveLength(1);
      expect(cluster.peers.callsTo(p2)).toEqual([]);
    });

    it('returns a tombstone newer than a live copy, and reads it as deleted', async () => {
      const { key, placement } = localObject();
      const p1 = placement.primaries[1];
      await put('a', key, 10, 'alive');
      await put(p1, key, 20, '', { deleted: true, size: 0 });
      expect((await sut.store.statNewest(key, placement.read))?.version).toMatchObject({ timestamp: ts(20), deleted: true });
      const got = await sut.store.read(key, placement.read);
      expect(got?.version.deleted).toBe(true);
      expect((await readAll(got!.body)).length).toBe(0);
    });

    it('asks the next candidate in place of one that is unreachable', async () => {
      const { key, placement } = localObject();
      const [, p1, p2] = placement.primaries;
      cluster.peers.setFaults(p1, { down: true });
      await put('a', key, 10, 'old');
      await put(p2, key, 20, 'new');
      const newest = await sut.store.statNewest(key, placement.read);
      expect(newest).toMatchObject({ version: { timestamp: ts(20) }, holders: [p2] });
      expect(sut.health.isDown(p1)).toBe(true);
    });

    it('fails with UnavailableError when fewer than Rq could answer and none holds the key', async () => {
      const { key, placement } = localObject();
      for (const s of placement.read.candidates.filter((s) => s !== 'a')) cluster.peers.setFaults(s, { down: true });
      await expect(sut.store.statNewest(key, placement.read)).rejects.toBeInstanceOf(UnavailableError);
    });

    it('answers undefined when Rq services answered and none holds the key', async () => {
      const { key, placement } = localObject();
      expect(await sut.store.statNewest(key, placement.read)).toBeUndefined();
      expect(await sut.store.read(key, placement.read)).toBeUndefined();
    });
  });
});

describe('ReplicatedStore during a migration', () => {
  let cluster: TestCluster;
  let sut: TestAgent;

  // The option moved from d and e (ring v1) to a, b, c (ring v2); d and e still hold the data.
  TestCluster.perTest(
    {
      services: SERVICES,
      options: [{ name: 'standard', replicas: 2, writeQuorum: 2, readQuorum: 2, ringOver: ['a', 'b', 'c'] }],
      ringVersion: 2,
      previousRings: [testRing('standard', 1, 2, [{ name: 'd' }, { name: 'e' }])],
    },
    async (created) => {
      cluster = created;
      sut = await cluster.agent('a');
    },
  );

  it('finds an object on a previous-ring holder when the primaries hold nothing', async () => {
    const name = 'moved.txt';
    const placement = sut.placement.forObject(WHERE.account, WHERE.container, name, 'standard');
    expect(placement.previousHolders.sort()).toEqual(['d', 'e']);
    const key = objectKey({ ...WHERE, name });
    await cluster.node('e').local.write(key, version(10, { size: 4 }), bodyOf('data'));
    const newest = await sut.store.statNewest(key, placement.read);
    expect(newest).toMatchObject({ version: { timestamp: ts(10) }, holders: ['e'] });
    const got = await sut.store.read(key, placement.read);
    expect(got?.servedBy).toBe('e');
    expect((await readAll(got!.body)).toString()).toBe('data');
  });
});
