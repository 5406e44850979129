import { UnavailableError } from '@mcos/common';
import { indexEntry } from '../index/index-entry';
import { containerKey, objectKey } from '../storage/object-key';
import { TestCluster, type TestAgent } from '../testing/test-cluster';
import { testRing } from '../testing/test-cluster-map';
import type { PlacementService } from './placement.service';

const version = { timestamp: '0000000000000010.000000.x', deleted: false, option: 'standard', size: 1, etag: 'e', userMeta: {} };

describe('PlacementService', () => {
  let cluster: TestCluster;
  let agent: TestAgent;
  let sut: PlacementService;

  TestCluster.perTest(
    {
      services: [
        { name: 'a' },
        { name: 'b' },
        { name: 'c' },
        { name: 'd' },
        { name: 'e', status: 'DISCONNECTED' },
        { name: 'f', status: 'SHUTOFF' },
        { name: 'g', status: 'REMOVED' },
      ],
      options: [
        { name: 'standard', replicas: 3, writeQuorum: 2, readQuorum: 2, ringOver: ['a', 'b', 'c', 'd', 'e'] },
        // Moved from f and g (ring v1) to b, c, d (ring v2).
        { name: 'moved', replicas: 2, writeQuorum: 1, readQuorum: 1, ringOver: ['b', 'c', 'd'] },
      ],
      ringVersion: 2,
      previousRings: [testRing('moved', 1, 2, [{ name: 'f' }, { name: 'g' }])],
    },
    async (created) => {
      cluster = created;
      agent = await cluster.agent('a');
      sut = agent.placement;
    },
  );

  it("places an object on its ring's R primaries, with the other ring members as handoffs", () => {
    const p = sut.forObject('alice', 'photos', 'cat.jpg', 'standard');
    const ring = agent.map.ring('standard')!;
    expect(p.partition).toBe(ring.partitionOf('alice', 'photos', 'cat.jpg'));
    expect(p.primaries).toEqual(ring.primaries(p.partition));
    expect(new Set(p.primaries).size).toBe(3);
    expect([...p.primaries, ...p.handoffs].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(p.handoffs.filter((h) => p.primaries.includes(h))).toEqual([]);
    expect(p.previousHolders).toEqual([]);
    expect(sut.forObject('alice', 'photos', 'cat.jpg', 'standard')).toEqual(p);
  });

  it('writes to the primaries with the handoffs as spares and W as the quorum', () => {
    const p = sut.forObject('alice', 'photos', 'cat.jpg', 'standard');
    expect(p.write).toEqual({ homes: p.primaries, spares: p.handoffs, quorum: 2 });
  });

  it('reads the primaries first, then at most R handoffs, comparing Rq answers', () => {
    const p = sut.forObject('alice', 'photos', 'cat.jpg', 'standard');
    expect(p.read).toEqual({ candidates: [...p.primaries, ...p.handoffs.slice(0, 3)], homes: 3, quorum: 2 });
  });

  it('reads the holders under the previous ring after the primaries and before the handoffs', () => {
    const p = sut.forObject('alice', 'photos', 'cat.jpg', 'moved');
    expect(p.previousHolders.sort()).toEqual(['f', 'g']);
    expect(p.handoffs).toHaveLength(1);
    expect(p.read.candidates.slice(0, 2)).toEqual(p.primaries);
    expect(p.read.candidates.slice(2, 4).sort()).toEqual(['f', 'g']);
    expect(p.read.candidates.slice(4)).toEqual(p.handoffs);
    expect(p.read.homes).toBe(2);
    expect(p.write.homes).toEqual(p.primaries);
  });

  it('fails with UnavailableError for an option the map has no ring for', () => {
    expect(() => sut.forObject('alice', 'photos', 'cat.jpg', 'nope')).toThrow(UnavailableError);
  });

  it('puts container records on every member (not SHUTOFF or REMOVED) with a majority quorum', () => {
    const c = sut.forContainers();
    expect(c.members).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(c.write).toEqual({ homes: c.members, spares: [], quorum: 3 });
    expect(c.read).toEqual({ candidates: c.members, homes: 5, quorum: 3 });
  });

  it("gives an index entry's homes as the request path would", () => {
    const object = indexEntry(objectKey({ account: 'alice', container: 'photos', name: 'cat.jpg' }), version);
    expect(sut.homesOf(object)).toEqual(sut.forObject('alice', 'photos', 'cat.jpg', 'standard').primaries);
    expect(sut.homesOf(indexEntry(containerKey({ account: 'alice', container: 'photos' }), version))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(sut.homesOf({ ...object, option: 'nope' })).toBeUndefined();
  });
});
