import { TestCluster, type TestAgent } from '../testing/test-cluster';

describe('ContainersService.takenByAnother (S3 bucket names are one namespace)', () => {
  let cluster: TestCluster;
  let a: TestAgent;
  let b: TestAgent;

  TestCluster.perTest(
    {
      services: ['a', 'b', 'c'].map((name) => ({ name })),
      options: [{ name: 'standard', replicas: 3, writeQuorum: 2, readQuorum: 2 }],
    },
    async (created) => {
      cluster = created;
      a = await cluster.agent('a');
      b = await cluster.agent('b');
    },
  );

  it("tells a name another account holds, at any member, and not one's own or a deleted one", async () => {
    await a.containers.create('alice', 'photos');
    await a.containers.create('alice', 'zzz-last');
    await a.containers.create('carol', 'aaa-first');
    await cluster.idle();
    expect(b.containers.takenByAnother('bob', 'photos')).toBe(true);
    expect(b.containers.takenByAnother('alice', 'photos')).toBe(false);
    expect(b.containers.takenByAnother('bob', 'zzz-last')).toBe(true);
    expect(b.containers.takenByAnother('bob', 'aaa-first')).toBe(true);
    expect(b.containers.takenByAnother('bob', 'other')).toBe(false);
    await a.containers.remove('alice', 'photos');
    await cluster.idle();
    expect(b.containers.takenByAnother('bob', 'photos')).toBe(false);
  });

  it('is not fooled by objects of a container of that name', async () => {
    await a.containers.create('alice', 'box');
    await a.objects.put({ account: 'alice', container: 'box', name: 'photos', body: (await import('node:stream')).Readable.from([Buffer.from('x')]), contentLength: 1, userMetadata: {} });
    await cluster.idle();
    expect(b.containers.takenByAnother('bob', 'photos')).toBe(false);
    expect(b.containers.takenByAnother('bob', 'box')).toBe(true);
  });
});
