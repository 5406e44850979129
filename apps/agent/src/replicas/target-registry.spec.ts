import { TestCluster, type TestAgent } from '../testing/test-cluster';

describe('TargetRegistry', () => {
  let cluster: TestCluster;
  let agent: TestAgent;

  TestCluster.perTest(
    {
      services: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }, { name: 'e', status: 'DISCONNECTED' }, { name: 'f', status: 'SHUTOFF' }],
      options: [{ name: 'standard', replicas: 2, writeQuorum: 1, readQuorum: 1 }],
    },
    async (created) => {
      cluster = created;
      agent = await cluster.agent('a');
    },
  );

  it('orders reads: this agent first, then by measured distance, unusable services last', () => {
    agent.health.recordRtt('c', 5);
    agent.health.recordRtt('d', 1);
    agent.health.recordFailure('b');
    expect(agent.registry.byDistance(['b', 'c', 'a', 'd'])).toEqual(['a', 'd', 'c', 'b']);
  });

  it('uses ACTIVE services not failing lately, and DISCONNECTED ones only while they answer this agent', () => {
    expect(['a', 'b', 'e', 'f', 'zz'].map((s) => agent.registry.usable(s))).toEqual([true, true, false, false, false]);
    agent.registry.observe('e', true);
    expect(agent.registry.usable('e')).toBe(true);
    agent.registry.observe('b', false);
    expect(agent.registry.usable('b')).toBe(false);
    cluster.clock.advance(30_001); // PeerHealth forgets the failure
    expect(agent.registry.usable('b')).toBe(true);
  });

  it('gives the local target for itself and a peer target for the others', () => {
    expect(agent.registry.get('a')).toBe(agent.node.local);
    expect(agent.registry.get('b')).toMatchObject({ service: 'b', isLocal: false });
    expect(() => agent.registry.get('zz')).toThrow(/not in the cluster map/);
  });
});
