import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import type { ClusterMap } from '@mcos/common';
import { DataSource } from 'typeorm';
import { ENTITIES, MIGRATIONS } from '../apps/controller/src/database/database.module';
import { requireServer } from '../libs/backends/src/testing/servers';
import { AgentDouble, ControllerProcess, findPostgres, http, makeTempDir, type PrivatePostgres, removeTempDir, startPostgres, TEST_JOIN_TOKEN, waitFor } from './support';

jest.setTimeout(90_000);

const postgresServer = requireServer('PostgreSQL', findPostgres().reason);

postgresServer.describe(`controller on a private PostgreSQL${postgresServer.unavailable ? ` (skipped: ${postgresServer.unavailable})` : ''}`, () => {
  let postgres: PrivatePostgres;
  let dir: string;
  let controller: ControllerProcess;
  let token: string;
  const agents: AgentDouble[] = [];

  const currentMap = async (): Promise<ClusterMap> =>
    (await http<ClusterMap>('GET', `${controller.url}/v1/cluster-map`, { headers: agents[0]!.authHeaders() })).body;

  beforeAll(async () => {
    postgres = await startPostgres();
    dir = makeTempDir('mcos-ctl-pg-');
    controller = await ControllerProcess.start({ dir, database: { type: 'postgres', url: postgres.url } });
    token = await controller.login();
  });

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await controller?.stop();
    await postgres?.stop();
    removeTempDir(dir);
  });

  it('made its schema by migration, exactly as the entities describe it (no drift)', async () => {
    const ds = new DataSource({ type: 'postgres', url: postgres.url, entities: ENTITIES });
    await ds.initialize();
    try {
      expect((await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
      expect(((await ds.query('SELECT "name" FROM "migrations"')) as { name: string }[]).map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
    } finally {
      await ds.destroy();
    }
  });

  it('registers 3 agents, builds and pushes the rings', async () => {
    for (const [name, region] of [
      ['pg-a', 'r1'],
      ['pg-b', 'r2'],
      ['pg-c', 'r3'],
    ]) {
      const agent = await AgentDouble.start(name as string, region as string);
      agent.capacityTotalBytes = 64 * 1024 ** 3;
      agents.push(agent);
      expect((await agent.register(controller.url, TEST_JOIN_TOKEN)).status).toBe(200);
    }
    await waitFor(async () => {
      const map = await currentMap();
      return map.rings.length === 4 && agents.every((agent) => agent.version === map.version);
    }, { description: 'rings on every agent' });
    const services = await http('GET', `${controller.url}/v1/services`, { token });
    expect(services.body.map((s: { weight: number; capacity: { totalBytes: number } }) => [s.weight, s.capacity.totalBytes])).toEqual([
      [64, 64 * 1024 ** 3],
      [64, 64 * 1024 ** 3],
      [64, 64 * 1024 ** 3],
    ]);
  });

  it('changes an option and creates a user', async () => {
    expect((await http('PATCH', `${controller.url}/v1/options/single`, { token, body: { replicas: 2 } })).status).toBe(200);
    expect((await http('POST', `${controller.url}/v1/users`, { token, body: { username: 'dora', password: 'dora-password', role: 'user' } })).status).toBe(201);
    await waitFor(
      async () => {
        const map = await currentMap();
        return agents.every((agent) => agent.version === map.version && agent.ringVersion('single') === map.rings.find((r) => r.option === 'single')?.version);
      },
      { description: 'the new map on every agent' },
    );
  });

  it('keeps everything across a restart', async () => {
    const snapshot = async () => ({
      map: await currentMap(),
      services: (await http('GET', `${controller.url}/v1/services`, { token })).body.map((s: { name: string; status: string; registeredAt: string }) => [s.name, s.status, s.registeredAt]),
      rings: (await http('GET', `${controller.url}/v1/rings`, { token })).body,
      users: (await http('GET', `${controller.url}/v1/users`, { token })).body,
    });
    const before = await snapshot();
    await controller.restart();
    token = await controller.login();
    const after = await snapshot();
    expect(after).toEqual(before);
    expect(await controller.login('dora', 'dora-password')).toEqual(expect.any(String));
  });
});
