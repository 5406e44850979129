import { formatTimestamp } from '../clock/timestamp';
import { containerKey, objectKey } from '../storage/object-key';
import { TestCluster, type TestAgent } from '../testing/test-cluster';
import { bodyOf } from '../testing/test-node';
import type { ListingService } from './listing.service';

const ts = (ms: number) => formatTimestamp({ ms, counter: 0, serviceId: 'x' });
const BOX = { name: 'box', option: 'standard', createdAt: 0 };

describe('ListingService over the indexes of 4 members (W=2)', () => {
  let cluster: TestCluster;
  let agent: TestAgent;
  let sut: ListingService;

  TestCluster.perTest(
    {
      services: ['a', 'b', 'c', 'd'].map((name) => ({ name })),
      options: [{ name: 'standard', replicas: 3, writeQuorum: 2, readQuorum: 2 }],
    },
    async (created) => {
      cluster = created;
      agent = await cluster.agent('a');
      sut = agent.listing;
    },
  );

  /** Puts one version of an object straight into a member's storage (and so its index). */
  const hold = async (service: string, name: string, ms: number, data: string, deleted = false) => {
    const version = { timestamp: ts(ms), deleted, option: 'standard', size: data.length, userMeta: {} };
    await cluster.node(service).local.write(objectKey({ account: 'alice', container: 'box', name }), version, bodyOf(data));
  };
  const names = (page: { objects: { name: string }[] }) => page.objects.map((o) => o.name);

  it('lists each name once with its newest version, whichever member holds it', async () => {
    await hold('a', 'x', 10, 'old');
    await hold('b', 'x', 20, 'newer');
    await hold('c', 'x', 15, 'mid');
    await hold('d', 'y', 10, 'y');
    const page = await sut.listObjects('alice', BOX, { limit: 10 });
    expect(names(page)).toEqual(['x', 'y']);
    expect(page.objects[0].size).toBe(5);
    expect(page.complete).toBe(true);
  });

  it('hides a name whose newest version is a tombstone, not one written again after its delete', async () => {
    await hold('a', 'gone', 10, 'data');
    await hold('b', 'gone', 20, '', true);
    await hold('a', 'back', 10, 'data');
    await hold('c', 'back', 20, '', true);
    await hold('d', 'back', 30, 'again');
    expect(names(await sut.listObjects('alice', BOX, { limit: 10 }))).toEqual(['back']);
  });

  it('still lists what the others hold when one member is missing, and says it is complete (fewer than W missing)', async () => {
    await hold('a', 'on-a', 10, '1');
    await hold('c', 'on-c', 10, '1');
    await hold('d', 'on-d', 10, '1');
    cluster.peers.setFaults('d', { down: true });
    const page = await sut.listObjects('alice', BOX, { limit: 10 });
    expect(names(page)).toEqual(['on-a', 'on-c']);
    expect(page.complete).toBe(true);
  });

  it('says the page may be incomplete when W members are missing, and skips a member known down without calling it', async () => {
    await hold('a', 'on-a', 10, '1');
    cluster.peers.setFaults('b', { down: true });
    agent.health.recordFailure('c');
    const page = await sut.listObjects('alice', BOX, { limit: 10 });
    expect(names(page)).toEqual(['on-a']);
    expect(page.complete).toBe(false);
    expect(cluster.peers.callsTo('c')).toEqual([]);
  });

  it('filters by prefix and rolls names under the delimiter into subdirs', async () => {
    await hold('a', 'docs/a', 10, '1');
    await hold('b', 'docs/b', 10, '1');
    await hold('c', 'docs/deep/c', 10, '1');
    await hold('d', 'img/c', 10, '1');
    await hold('a', 'top', 10, '1');
    const root = await sut.listObjects('alice', BOX, { delimiter: '/', limit: 10 });
    expect(root.subdirs).toEqual(['docs/', 'img/']);
    expect(names(root)).toEqual(['top']);
    const docs = await sut.listObjects('alice', BOX, { prefix: 'docs/', delimiter: '/', limit: 10 });
    expect(names(docs)).toEqual(['docs/a', 'docs/b']);
    expect(docs.subdirs).toEqual(['docs/deep/']);
    expect(names(await sut.listObjects('alice', BOX, { prefix: 'docs/', limit: 10 }))).toEqual(['docs/a', 'docs/b', 'docs/deep/c']);
  });

  it('pages with limit and marker across members', async () => {
    for (const [i, s] of ['a', 'b', 'c', 'd', 'a'].entries()) await hold(s, `n${i}`, 10, '1');
    const first = await sut.listObjects('alice', BOX, { limit: 2 });
    expect(names(first)).toEqual(['n0', 'n1']);
    expect(first).toMatchObject({ truncated: true, nextMarker: 'n1' });
    const second = await sut.listObjects('alice', BOX, { marker: first.nextMarker, limit: 2 });
    expect(names(second)).toEqual(['n2', 'n3']);
    const last = await sut.listObjects('alice', BOX, { marker: second.nextMarker, limit: 2 });
    expect(names(last)).toEqual(['n4']);
    expect(last).toMatchObject({ truncated: false, nextMarker: undefined });
  });

  it('lists containers from the members, complete unless a majority is missing', async () => {
    const record = (ms: number, deleted = false) => ({ timestamp: ts(ms), deleted, option: 'standard', size: 0, userMeta: {} });
    await cluster.node('b').local.write(containerKey({ account: 'alice', container: 'one' }), record(10), bodyOf(''));
    await cluster.node('c').local.write(containerKey({ account: 'alice', container: 'two' }), record(10), bodyOf(''));
    await cluster.node('d').local.write(containerKey({ account: 'alice', container: 'two' }), record(20, true), bodyOf(''));
    await cluster.node('a').local.write(containerKey({ account: 'bob', container: 'his' }), record(10), bodyOf(''));
    const page = await sut.listContainers('alice', { limit: 10 });
    expect(page.containers.map((c) => c.name)).toEqual(['one']);
    expect(page.complete).toBe(true);
    // Records are on a majority (3 of 4): two missing answers cannot hide one, three can.
    cluster.peers.setFaults('c', { down: true });
    cluster.peers.setFaults('d', { down: true });
    expect((await sut.listContainers('alice', { limit: 10 })).complete).toBe(true);
    cluster.peers.setFaults('b', { down: true });
    expect((await sut.listContainers('alice', { limit: 10 })).complete).toBe(false);
  });
});
