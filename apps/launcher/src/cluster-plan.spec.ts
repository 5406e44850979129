import { describe, expect, it } from '@jest/globals';
import { agentSettings, agentsOf, controllerSettings, planCluster } from './cluster-plan';
import { LocalClusterConfig } from './config/local-cluster-config';

function config(): LocalClusterConfig {
  return Object.assign(new LocalClusterConfig(), {
    agents: [
      { name: 'agent-a', region: 'local-a' },
      { name: 'agent-b', region: 'local-b' },
      { name: 'agent-c', region: 'local-c' },
    ],
    controller: { pollIntervalMs: 1000 },
  });
}

describe('planCluster', () => {
  it('puts the controller on the base port and agent i on base + i, everything under the data dir', () => {
    const sut = planCluster(config(), { json: false, fresh: false, restart: true }, '/repo');
    expect(sut.layout.root).toBe('/repo/data');
    expect(sut.controller).toEqual({
      name: 'controller',
      port: 7000,
      url: 'http://127.0.0.1:7000',
      configFile: '/repo/data/config/controller.yaml',
      logFile: '/repo/data/logs/controller.log',
    });
    expect(sut.agents.map((a) => [a.name, a.region, a.url, a.dataDir])).toEqual([
      ['agent-a', 'local-a', 'http://127.0.0.1:7001', '/repo/data/agents/agent-a'],
      ['agent-b', 'local-b', 'http://127.0.0.1:7002', '/repo/data/agents/agent-b'],
      ['agent-c', 'local-c', 'http://127.0.0.1:7003', '/repo/data/agents/agent-c'],
    ]);
    expect(sut.agents.map((a) => a.s3)).toEqual([
      { port: 7101, url: 'http://127.0.0.1:7101' },
      { port: 7102, url: 'http://127.0.0.1:7102' },
      { port: 7103, url: 'http://127.0.0.1:7103' },
    ]);
    expect(sut.layout.adminS3KeyFile).toBe('/repo/data/admin-s3-key');
  });

  it('turns S3 off with s3PortOffset 0 (no listener in the agent config)', () => {
    const plan = planCluster(Object.assign(config(), { s3PortOffset: 0 }), { json: false, fresh: false, restart: true }, '/repo');
    expect(plan.agents.every((a) => a.s3 === undefined)).toBe(true);
    expect(agentSettings(plan, plan.agents[0], 'join-secret', {})).not.toHaveProperty('s3');
  });

  it('lets the command line choose data dir, ports and agent count', () => {
    const sut = planCluster(config(), { json: true, fresh: false, restart: true, dataDir: '/tmp/x', basePort: 9000, agents: 2 }, '/repo');
    expect(sut.layout.root).toBe('/tmp/x');
    expect(sut.controller.port).toBe(9000);
    expect(sut.agents.map((a) => a.port)).toEqual([9001, 9002]);
    expect(sut.agents.map((a) => a.s3?.port)).toEqual([9101, 9102]);
  });

  it('writes child configs: sqlite and the admin password file in the data dir, fs backends, expected services = agents', () => {
    const plan = planCluster(config(), { json: false, fresh: false, restart: true, agents: 2 }, '/repo');
    expect(controllerSettings(plan, 'join-secret', { pollIntervalMs: 1000 })).toEqual({
      host: '127.0.0.1',
      port: 7000,
      database: { type: 'sqlite', path: '/repo/data/controller.sqlite' },
      expectedServices: 2,
      joinToken: 'join-secret',
      bootstrapAdmin: { username: 'admin', passwordFile: '/repo/data/admin-password' },
      pollIntervalMs: 1000,
    });
    expect(agentSettings(plan, plan.agents[1], 'join-secret', { registerRetryMs: 500 })).toEqual({
      name: 'agent-b',
      region: 'local-b',
      host: '127.0.0.1',
      port: 7002,
      controllerUrl: 'http://127.0.0.1:7000',
      joinToken: 'join-secret',
      dataDir: '/repo/data/agents/agent-b',
      backend: { type: 'fs', root: '/repo/data/agents/agent-b/objects' },
      s3: { host: '127.0.0.1', port: 7102 },
      registerRetryMs: 500,
    });
  });
});

describe('agentsOf', () => {
  it('continues the naming pattern past the configured agents, in their own regions', () => {
    const sut = agentsOf([{ name: 'agent-a', region: 'local-a' }], 4);
    expect(sut).toEqual([
      { name: 'agent-a', region: 'local-a' },
      { name: 'agent-b', region: 'local-b' },
      { name: 'agent-c', region: 'local-c' },
      { name: 'agent-d', region: 'local-d' },
    ]);
  });

  it('never repeats a configured name', () => {
    const sut = agentsOf([{ name: 'agent-b', region: 'x' }], 2);
    expect(sut.map((a) => a.name)).toEqual(['agent-b', 'agent-c']);
  });
});
