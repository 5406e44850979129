/**
 * The agent's data path across real processes: a controller, three agents
 * on fs backends and one on S3 (a real s3rver), all on loopback. Drives them
 * only through HTTP, and checks the backends themselves through their drivers.
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { FsBackend, ObjectBackend, ObjectNotFoundError, createBackend } from '@mcos/backends';
import { signToken } from '@mcos/common';
import { Ring } from '@mcos/ring';
import { startS3rver } from '../libs/backends/src/testing/servers';
import {
  AgentProcess,
  ControllerProcess,
  http,
  makeTempDir,
  removeTempDir,
  TEST_ADMIN,
  UserClient,
  waitFor,
} from './support';

jest.setTimeout(120_000);

/** Status of a request whose path is sent byte for byte (no URL normalisation). */
function rawStatus(method: string, url: string, token: string): Promise<number> {
  const u = new URL(url);
  const path = url.slice(url.indexOf('/', 'http://'.length));
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers: { authorization: `Bearer ${token}`, 'content-length': '1' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end('x');
  });
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('agent data path (controller + 3 fs agents + 1 s3 agent)', () => {
  let dir: string;
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  let controller: ControllerProcess;
  const agents: AgentProcess[] = [];
  const backends = new Map<string, ObjectBackend>();
  let admin: UserClient;

  beforeAll(async () => {
    dir = makeTempDir('mcos-agent-e2e-');
    s3 = await startS3rver({ dir: join(dir, 's3rver') });
    mkdirSync(join(dir, 'controller'));
    controller = await ControllerProcess.start({ dir: join(dir, 'controller'), settings: { expectedServices: 4 } });
    for (let i = 1; i <= 3; i++) {
      // fs-2 and fs-3 hash bodies over 1 MiB on their MD5 worker thread; fs-1 and s3-1 inline: both paths serve every request below.
      const settings = i > 1 ? { md5WorkerThread: true } : undefined;
      agents.push(await AgentProcess.start({ name: `fs-${i}`, region: `region-${i}`, controllerUrl: controller.url, dir: join(dir, `fs-${i}`), settings }));
    }
    const s3Backend = { type: 's3', endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, prefix: 'mcos/' };
    agents.push(await AgentProcess.start({ name: 's3-1', region: 'region-4', controllerUrl: controller.url, dir: join(dir, 's3-1'), backend: s3Backend }));
    await Promise.all(agents.map((a) => a.waitUntilServing()));
    for (const a of agents.slice(0, 3)) backends.set(a.name, new FsBackend({ root: a.fsRoot }));
    backends.set('s3-1', createBackend({ type: 's3', endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, prefix: 'mcos/' }));
    admin = await UserClient.login(agents[0].url, TEST_ADMIN.username, TEST_ADMIN.password);
  });

  afterAll(async () => {
    for (const b of backends.values()) await b.close();
    await Promise.all(agents.map((a) => a.stop()));
    await controller?.stop();
    await s3?.stop();
    removeTempDir(dir);
  });

  /** The services that hold a live replica of the object, read from each backend itself. */
  async function holders(container: string, name: string): Promise<string[]> {
    const key = `o/${TEST_ADMIN.username}/${container}/${name}`;
    const found: string[] = [];
    for (const [service, backend] of backends) {
      try {
        const info = await backend.head(key);
        if (info.systemMeta.deleted !== '1') found.push(service);
      } catch (err) {
        if (!(err instanceof ObjectNotFoundError)) throw err;
      }
    }
    return found.sort();
  }

  function primariesOf(option: string, container: string, name: string): string[] {
    const entry = agents[0].persistedMap().rings.find((r) => r.option === option)!;
    const ring = Ring.deserialize(Buffer.from(entry.data, 'base64'));
    const p = ring.partitionOf(TEST_ADMIN.username, container, name);
    return Array.from(ring.primaries(p), (i) => ring.serviceAt(i).id).sort();
  }

  it('runs all ten user operations through every agent', async () => {
    for (const agent of agents) {
      const user = await UserClient.login(agent.url, TEST_ADMIN.username, TEST_ADMIN.password);
      const c = `ops-${agent.name}`;
      expect((await user.createContainer(c)).status).toBe(201);
      const containers = (await user.request('GET', '/v1/containers')).json<{ containers: { name: string }[] }>();
      expect(containers.containers.map((x) => x.name)).toContain(c);
      expect((await user.request('GET', `/v1/containers/${c}`)).json()).toMatchObject({ name: c, option: 'standard' });

      const v1 = randomBytes(70_000);
      const put = await user.putObject(c, 'a/b c.bin', v1, { 'content-type': 'application/x-one', 'x-object-meta-color': 'blue' });
      expect(put.status).toBe(201);
      expect(put.json()).toMatchObject({ etag: md5(v1), size: v1.length });
      const v2 = randomBytes(1234);
      expect((await user.putObject(c, 'a/b c.bin', v2)).json()).toMatchObject({ etag: md5(v2) });

      const stat = (await user.statObject(c, 'a/b c.bin')).json();
      expect(stat).toMatchObject({ size: v2.length, etag: md5(v2), option: 'standard' });
      expect(stat.replicas.filter((r: { role: string }) => r.role === 'primary')).toHaveLength(3);

      const got = await user.getObject(c, 'a/b c.bin');
      expect(got.status).toBe(200);
      expect(md5(got.body)).toBe(md5(v2));
      expect(got.headers.get('etag')).toBe(`"${md5(v2)}"`);

      const list = (await user.listObjects(c)).json();
      expect(list).toMatchObject({ objects: [{ name: 'a/b c.bin', size: v2.length }], complete: true });
      expect((await user.deleteObject(c, 'a/b c.bin')).status).toBe(204);
      expect((await user.getObject(c, 'a/b c.bin')).status).toBe(404);
      expect((await user.listObjects(c)).json().objects).toEqual([]);
      expect((await user.request('DELETE', `/v1/containers/${c}`)).status).toBe(204);
      expect((await user.request('GET', `/v1/containers/${c}`)).status).toBe(404);
    }
  });

  it('serves identical bytes and ETag at every agent, from replicas on exactly the ring primaries', async () => {
    expect((await admin.createContainer('shared')).status).toBe(201);
    const objects = new Map<string, Buffer>();
    // Sizes: 4 KiB, 300 kB, and 2.5 MB (over the 1 MiB line where hashing moves to the MD5 worker where it is on).
    for (let i = 0; i < 12; i++) objects.set(`obj-${i}/ü ${i}.bin`, randomBytes(i % 6 === 0 ? 2_500_000 : i % 3 === 0 ? 300_000 : 4096 + i));
    let writer = 0;
    for (const [name, data] of objects) {
      const at = admin.at(agents[writer++ % agents.length].url);
      expect((await at.putObject('shared', name, data)).status).toBe(201);
    }
    for (const [name, data] of objects) {
      // Writes answer at W=2; wait for the third replica before reading the backends.
      await waitFor(async () => (await admin.statObject('shared', name)).json().state === 'CREATED', { timeoutMs: 10_000, description: `${name} CREATED` });
      expect(await holders('shared', name)).toEqual(primariesOf('standard', 'shared', name));
      for (const agent of agents) {
        const got = await admin.at(agent.url).getObject('shared', name);
        expect(got.status).toBe(200);
        expect(got.body.equals(data)).toBe(true);
        expect(got.headers.get('etag')).toBe(`"${md5(data)}"`);
        const servedBy = got.headers.get('x-mcos-served-by');
        // A holder serves from its own backend; any other agent fetches from a peer.
        if (primariesOf('standard', 'shared', name).includes(agent.name)) expect(servedBy).toBe(agent.name);
        else expect(primariesOf('standard', 'shared', name)).toContain(servedBy);
      }
    }
    const ranged = await admin.getObject('shared', 'obj-0/ü 0.bin', { range: 'bytes=100-199' });
    expect(ranged.status).toBe(206);
    expect(ranged.body.equals(objects.get('obj-0/ü 0.bin')!.subarray(100, 200))).toBe(true);
    const suffix = await admin.getObject('shared', 'obj-0/ü 0.bin', { range: 'bytes=-10' });
    expect(suffix.body.equals(objects.get('obj-0/ü 0.bin')!.subarray(-10))).toBe(true);
    const listed = (await admin.at(agents[3].url).listObjects('shared', 'delimiter=/&limit=5')).json();
    expect(listed).toMatchObject({ objects: [], subdirs: ['obj-0/', 'obj-1/', 'obj-10/', 'obj-11/', 'obj-2/'], truncated: true, complete: true });
  });

  it('answers CREATED for sync-3, CREATING for async-3 which then reaches CREATED by itself', async () => {
    await admin.createContainer('sync', 'sync-3');
    await admin.createContainer('async', 'async-3');
    const data = randomBytes(2 << 20);
    const sync = (await admin.putObject('sync', 'x', data)).json();
    expect(sync.state).toBe('CREATED');
    expect(await holders('sync', 'x')).toEqual(primariesOf('sync-3', 'sync', 'x'));
    const asyncPut = (await admin.putObject('async', 'x', data)).json();
    expect(asyncPut.state).toBe('CREATING');
    await waitFor(async () => (await admin.statObject('async', 'x')).json().state === 'CREATED', { timeoutMs: 10_000, description: 'async CREATED' });
    expect(await holders('async', 'x')).toEqual(primariesOf('async-3', 'async', 'x'));
  });

  it('rejects bad input with a clear 4xx and stores nothing', async () => {
    const c = 'bad-input';
    await admin.createContainer(c);
    // Missing, malformed and expired tokens.
    expect((await admin.request('GET', '/v1/containers', { token: null })).status).toBe(401);
    expect((await admin.request('GET', '/v1/containers', { token: 'not.a.token' })).status).toBe(401);
    const db = new Database(join(controller.dir, 'controller.sqlite'), { readonly: true });
    // The controller's current token key (the one without retiredAt), signed with its key id as the controller does.
    const keys = JSON.parse((db.prepare("SELECT value FROM cluster_state WHERE key = 'tokenKeys'").get() as { value: string }).value) as {
      kid: string;
      privateKeyPem: string;
      retiredAt?: number;
    }[];
    db.close();
    const current = keys.find((k) => k.retiredAt === undefined)!;
    const now = Math.floor(Date.now() / 1000);
    const expired = signToken({ sub: TEST_ADMIN.username, role: 'admin', iat: now - 100, exp: now - 10, gen: 1e9 }, current.privateKeyPem, current.kid);
    const expiredAnswer = await admin.request('GET', '/v1/containers', { token: expired });
    expect(expiredAnswer.status).toBe(401);
    expect(expiredAnswer.json().message).toMatch(/expired/i);

    // Password guessing through an agent meets the controller's login throttle, Retry-After included.
    for (let i = 0; i < 5; i++) {
      expect((await http('POST', `${agents[2].url}/v1/auth/login`, { body: { username: 'guessed', password: `guess-${i}` } })).status).toBe(401);
    }
    const held = await http('POST', `${agents[2].url}/v1/auth/login`, { body: { username: 'guessed', password: 'guess-5' } });
    expect(held.status).toBe(429);
    expect(held.headers.get('retry-after')).toBe('1');

    // Another user's container is invisible.
    const adminToken = await controller.login();
    expect((await http('POST', `${controller.url}/v1/users`, { token: adminToken, body: { username: 'bob', password: 'bob-password-1', role: 'user' } })).status).toBe(201);
    const bob = await UserClient.login(agents[1].url, 'bob', 'bob-password-1');
    expect((await bob.request('GET', `/v1/containers/${c}`)).status).toBe(404);
    expect((await bob.putObject(c, 'x', Buffer.from('x'))).status).toBe(404);
    expect((await bob.request('GET', '/v1/containers')).json().containers).toEqual([]);

    // Names, options, create-only.
    expect((await admin.createContainer('c'.repeat(300))).status).toBe(400);
    expect((await admin.request('PUT', '/v1/containers/a%01b', { body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await admin.createContainer('opt', 'no-such-option')).status).toBe(400);
    // fetch would normalise the dot segment away; send the path as it is.
    expect(await rawStatus('PUT', `${agents[0].url}/v1/containers/${c}/objects/a/../b`, admin.token)).toBe(400);
    expect((await admin.putObject(c, 'ctl\u0001', Buffer.from('x'))).status).toBe(400);
    expect((await admin.putObject(c, 'x'.repeat(1100), Buffer.from('x'))).status).toBe(400);
    expect((await admin.putObject(c, 'm', Buffer.from('x'), { 'x-object-meta-bad_name': 'v' })).status).toBe(400);
    expect((await admin.putObject(c, 'once', Buffer.from('first'))).status).toBe(201);
    const again = await admin.putObject(c, 'once', Buffer.from('second'), { 'if-none-match': '*' });
    expect(again.status).toBe(412);
    expect((await admin.getObject(c, 'once')).body.toString()).toBe('first');
    expect((await admin.request('DELETE', `/v1/containers/${c}`)).status).toBe(409);

    // Nothing but the one good object reached any backend.
    for (const backend of backends.values()) {
      const keys = (await backend.list({ prefix: `o/${TEST_ADMIN.username}/${c}/` })).items.map((i) => i.key);
      expect(keys.every((k) => k.endsWith('/once'))).toBe(true);
      expect((await backend.list({ prefix: `c/bob/` })).items).toEqual([]);
      expect((await backend.list({ prefix: `c/${TEST_ADMIN.username}/opt` })).items).toEqual([]);
    }
  });

  it('keeps serving logged-in users while the controller is down, even across an agent restart', async () => {
    const users = agents.map((a) => admin.at(a.url));
    await controller.stop();
    try {
      await users[0].createContainer('offline');
      for (const [i, user] of users.entries()) {
        const data = randomBytes(5000 + i);
        expect((await user.putObject('offline', `o-${i}`, data)).status).toBe(201);
        for (const reader of users) expect((await reader.getObject('offline', `o-${i}`)).body.equals(data)).toBe(true);
      }
      expect((await users[2].listObjects('offline')).json().objects).toHaveLength(agents.length);
      expect((await users[3].deleteObject('offline', 'o-0')).status).toBe(204);

      await agents[1].restart();
      await agents[1].waitUntilServing();
      const back = users[1];
      expect((await back.getObject('offline', 'o-1')).status).toBe(200);
      expect((await back.putObject('offline', 'after-restart', Buffer.from('still here'))).status).toBe(201);
      expect((await users[0].getObject('offline', 'after-restart')).body.toString()).toBe('still here');
      expect((await back.getObject('offline', 'o-0')).status).toBe(404);
    } finally {
      await controller.restart();
    }
  });
});
