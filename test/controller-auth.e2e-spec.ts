import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { generateTokenKeyPair, JOIN_TOKEN_HEADER, signToken } from '@mcos/common';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentDouble, builtScript, ControllerProcess, http, makeTempDir, NodeProcess, removeTempDir, sleep, TEST_JOIN_TOKEN } from './support';

jest.setTimeout(60_000);

const ADMIN_ROUTES: [string, string][] = [
  ['GET', '/v1/services'],
  ['GET', '/v1/services/distances'],
  ['GET', '/v1/services/alpha'],
  ['DELETE', '/v1/services/alpha'],
  ['GET', '/v1/cluster/progress'],
  ['GET', '/v1/options'],
  ['POST', '/v1/options'],
  ['GET', '/v1/options/standard'],
  ['PATCH', '/v1/options/standard'],
  ['DELETE', '/v1/options/standard'],
  ['GET', '/v1/rings'],
  ['GET', '/v1/rings/standard'],
  ['POST', '/v1/rings/rebuild'],
  ['GET', '/v1/users'],
  ['POST', '/v1/users'],
  ['GET', '/v1/users/admin'],
  ['PUT', '/v1/users/admin/password'],
  ['DELETE', '/v1/users/admin'],
];

describe('controller auth, validation and documentation', () => {
  let dir: string;
  let controller: ControllerProcess;
  let adminToken: string;
  let userToken: string;

  beforeAll(async () => {
    dir = makeTempDir('mcos-ctl-auth-');
    controller = await ControllerProcess.start({ dir });
    adminToken = await controller.login();
    const created = await http('POST', `${controller.url}/v1/users`, { token: adminToken, body: { username: 'bob', password: 'bob-password', role: 'user' } });
    expect(created.status).toBe(201);
    userToken = await controller.login('bob', 'bob-password');
  });

  afterAll(async () => {
    await controller?.stop();
    removeTempDir(dir);
  });

  it('answers 401 on every admin route without a token, with the error body shape', async () => {
    for (const [method, path] of ADMIN_ROUTES) {
      const result = await http(method, `${controller.url}${path}`);
      expect({ route: `${method} ${path}`, status: result.status }).toEqual({ route: `${method} ${path}`, status: 401 });
      expect(result.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringContaining('Missing bearer token') });
    }
  });

  it('answers 401 to malformed, forged, tampered and foreign tokens', async () => {
    const url = `${controller.url}/v1/services`;
    expect((await http('GET', url, { token: 'not-a-token' })).body.message).toMatch(/Malformed token/);
    expect((await http('GET', url, { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } })).status).toBe(401);

    const [header, payload, signature] = userToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    const tampered = await http('GET', url, { token: `${header}.${promoted}.${signature}` });
    expect(tampered.status).toBe(401);
    expect(tampered.body.message).toBe('Invalid token signature');

    const foreignKey = generateTokenKeyPair().privateKeyPem;
    const now = Math.floor(Date.now() / 1000);
    const foreign = signToken({ sub: 'admin', role: 'admin', iat: now, exp: now + 600 }, foreignKey);
    expect((await http('GET', url, { token: foreign })).status).toBe(401);
  });

  it('answers 403 to a user (non-admin) token on every admin route', async () => {
    for (const [method, path] of ADMIN_ROUTES) {
      const result = await http(method, `${controller.url}${path}`, { token: userToken });
      expect({ route: `${method} ${path}`, status: result.status }).toEqual({ route: `${method} ${path}`, status: 403 });
    }
  });

  it('answers 401 to an expired token', async () => {
    const shortDir = makeTempDir('mcos-ctl-ttl-');
    const shortLived = await ControllerProcess.start({ dir: shortDir, settings: { tokenTtlSeconds: 1 } });
    try {
      const token = await shortLived.login();
      expect((await http('GET', `${shortLived.url}/v1/services`, { token })).status).toBe(200);
      await sleep(1_100);
      const expired = await http('GET', `${shortLived.url}/v1/services`, { token });
      expect(expired.status).toBe(401);
      expect(expired.body.message).toBe('Token expired');
    } finally {
      await shortLived.stop();
      removeTempDir(shortDir);
    }
  });

  it('refuses bad logins with one message', async () => {
    const wrong = await http('POST', `${controller.url}/v1/auth/login`, { body: { username: 'admin', password: 'wrong-password' } });
    const unknown = await http('POST', `${controller.url}/v1/auth/login`, { body: { username: 'nobody', password: 'whatever1' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.message).toBe(unknown.body.message);
    const login = await http('POST', `${controller.url}/v1/auth/login`, { body: { username: 'admin', password: 'admin-password-e2e' } });
    expect(login.body).toEqual({ token: expect.any(String), expiresAt: expect.any(String), role: 'admin' });
  });

  it('makes a username wait (429, Retry-After) after 5 failed logins in a row, then lets the right password in', async () => {
    expect((await http('POST', `${controller.url}/v1/users`, { token: adminToken, body: { username: 'carol', password: 'carol-password', role: 'user' } })).status).toBe(201);
    for (let i = 0; i < 5; i++) {
      expect((await http('POST', `${controller.url}/v1/auth/login`, { body: { username: 'carol', password: `guess-${i}` } })).status).toBe(401);
    }
    const held = await http('POST', `${controller.url}/v1/auth/login`, { body: { username: 'carol', password: 'carol-password' } });
    expect(held.status).toBe(429);
    expect(held.headers.get('retry-after')).toBe('1');
    expect(held.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', message: expect.stringContaining('too many failed logins for carol') });
    // Other users are not held back.
    expect((await http('POST', `${controller.url}/v1/auth/login`, { body: { username: 'bob', password: 'bob-password' } })).status).toBe(200);
    await sleep(1_100);
    expect((await http('POST', `${controller.url}/v1/auth/login`, { body: { username: 'carol', password: 'carol-password' } })).status).toBe(200);
  });

  it('answers 400 naming the field for bad bodies and queries', async () => {
    const post = (path: string, body: unknown) => http('POST', `${controller.url}${path}`, { token: adminToken, body });
    const cases: [Promise<{ status: number; body: { message: string } }>, RegExp][] = [
      [post('/v1/options', { name: 'bad/name', replicas: 3, writeQuorum: 1, readQuorum: 1 }), /^name must be/],
      [post('/v1/options', { name: 'x', replicas: 0, writeQuorum: 1, readQuorum: 1 }), /replicas must not be less than 1/],
      [post('/v1/options', { name: 'x', replicas: 3, writeQuorum: 4, readQuorum: 1 }), /writeQuorum must be between 1 and replicas/],
      [post('/v1/options', { name: 'x', replicas: 3, writeQuorum: 1, readQuorum: 1, colour: 'red' }), /property colour should not exist/],
      [post('/v1/options', { name: 'x', replicas: '3', writeQuorum: 1, readQuorum: 1 }), /replicas must be an integer/],
      [post('/v1/options', { name: 'x', replicas: 3, writeQuorum: 1, readQuorum: 1, placement: { regions: ['a b'] } }), /regions/],
      [post('/v1/users', { username: 'eve', password: 'short', role: 'user' }), /password must be longer/],
      [post('/v1/users', { username: 'eve', password: 'long-enough', role: 'root' }), /role must be one of/],
      [post('/v1/rings/rebuild?dryRun=maybe', undefined), /dryRun must be a boolean/],
      [post('/v1/auth/login', { username: 'admin' }), /password must be a string/],
      [post('/v1/options', '{"name": '), /JSON/],
    ];
    for (const [pending, message] of cases) {
      const result = await pending;
      expect(result.status).toBe(400);
      expect(result.body.message).toMatch(message);
    }
    const patch = await http('PATCH', `${controller.url}/v1/options/standard`, { token: adminToken, body: { readQuorum: 7 } });
    expect(patch.status).toBe(400);
    expect(patch.body.message).toMatch(/readQuorum/);
  });

  it('requires the join token and proof of the agent\'s own key to register, and that key to take a known name', async () => {
    const alpha = await AgentDouble.start('alpha', 'r1');
    const impostor = await AgentDouble.start('alpha', 'r9');
    try {
      const register = (headers: Record<string, string>, body: Record<string, unknown>) =>
        http('POST', `${controller.url}/v1/services/register`, {
          headers,
          body: { name: 'alpha', url: alpha.url, region: 'r1', backend: 'fs', publicKey: alpha.publicKey, ...body },
        });
      expect((await register({}, {})).status).toBe(401);
      expect((await register({ [JOIN_TOKEN_HEADER]: 'wrong-token-123' }, {})).status).toBe(401);
      const badUrl = await register({ [JOIN_TOKEN_HEADER]: TEST_JOIN_TOKEN, ...alpha.authHeaders() }, { url: 'not a url' });
      expect(badUrl.status).toBe(400);
      expect(badUrl.body.message).toMatch(/url must be a URL/);

      expect((await alpha.register(controller.url, TEST_JOIN_TOKEN)).status).toBe(200);
      const taken = await impostor.register(controller.url, TEST_JOIN_TOKEN);
      expect(taken.status).toBe(409);
      expect((taken.body as unknown as { message: string }).message).toMatch(/another identity key/);
      // Knowing alpha's public key is not enough: the assertion must be signed with its private key.
      impostor.publicKey = alpha.publicKey;
      expect((await impostor.register(controller.url, TEST_JOIN_TOKEN)).status).toBe(401);
      // The real owner (it has the key) may re-register, e.g. after a restart.
      expect((await alpha.register(controller.url, TEST_JOIN_TOKEN)).status).toBe(200);

      expect((await http('GET', `${controller.url}/v1/cluster-map`)).status).toBe(401);
      expect((await http('GET', `${controller.url}/v1/cluster-map`, { headers: { 'x-mcos-cluster-credential': 'nope' } })).status).toBe(401);
      expect((await http('GET', `${controller.url}/v1/cluster-map`, { headers: impostor.authHeaders() })).status).toBe(401);
      const map = await http('GET', `${controller.url}/v1/cluster-map`, { headers: alpha.authHeaders() });
      expect(map.status).toBe(200);
      expect(map.body.tokenPublicKey).toMatch(/BEGIN PUBLIC KEY/);

      expect((await http('POST', `${controller.url}/v1/services/alpha/deregister`)).status).toBe(401);
      const bye = await http('POST', `${controller.url}/v1/services/alpha/deregister`, { headers: alpha.authHeaders() });
      expect(bye.status).toBe(204);
      expect((await http('GET', `${controller.url}/v1/services/alpha`, { token: adminToken })).body.status).toBe('SHUTOFF');
    } finally {
      await Promise.all([alpha.stop(), impostor.stop()]);
    }
  });

  it('serves Swagger UI, the OpenAPI document with security schemes and error responses, health and metrics', async () => {
    const ui = await http('GET', `${controller.url}/docs`);
    expect(ui.status).toBe(200);
    expect(String(ui.body)).toMatch(/swagger/i);
    const doc = await http('GET', `${controller.url}/docs-json`);
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.components.securitySchemes).sort()).toEqual(['bearer', 'join-token', 'service-assertion']);
    const servicesGet = doc.body.paths['/v1/services'].get;
    expect(servicesGet.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(servicesGet.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
    expect(doc.body.paths['/v1/options'].post.requestBody.content['application/json'].schema.$ref).toMatch(/CreateOptionDto/);
    expect(Object.keys(doc.body.paths['/v1/options'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '409']));

    expect((await http('GET', `${controller.url}/health`)).body).toEqual({ status: 'ok', clusterMapVersion: expect.any(Number) });
    const metrics = await http('GET', `${controller.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/mcos_controller_cluster_map_version \d+/);
    expect(metrics.body).toMatch(/mcos_controller_services\{status="ACTIVE"\}/);
  });

  it('stops at start-up with a message naming the invalid key', async () => {
    const configFile = join(dir, 'broken.yaml');
    writeFileSync(configFile, `joinToken: ${TEST_JOIN_TOKEN}\npollIntervalMs: soon\ndatabase:\n  type: sqlite\n  path: ${join(dir, 'broken.sqlite')}\n`);
    const sut = NodeProcess.start(builtScript('apps/controller/src/main.js'), { env: { MCOS_CONFIG: configFile, MCOS__MISS_THRESHOLD: '0' }, cwd: dir });
    expect(await sut.waitForExit(15_000)).toBe(1);
    expect(sut.output()).toMatch(/^Invalid configuration: .*pollIntervalMs must be an integer number/m);
    expect(sut.output()).toContain('missThreshold must not be less than 1');
  });
});
