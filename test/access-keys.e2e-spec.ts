/**
 * Issue 14, credentials: S3 access keys end to end on real processes (a
 * controller and two fs agents on loopback, and the built CLI). Keys are
 * made by the admin and by the user through an agent; the secret is shown
 * once; every agent receives the key set sealed to its own X25519 key and
 * keeps it sealed on disk (0600); revocation, a password reset and a user
 * deletion reach both agents within one poll interval; an agent restarted
 * while the controller is down still holds the keys; no secret reaches a
 * log.
 *
 * What an agent holds is checked two ways: by signed S3 requests at its S3
 * door (AWS SDK v3), and by opening the agent's own sealed copy with the
 * agent's own sealing key from its data dir (the way only its owner can).
 */
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ACCESS_KEY_ID_PATTERN, type AccessKeyView, type CreatedAccessKey, openAccessKeys, type SealedAccessKeySet } from '@mcos/common';
import { AgentProcess, builtScript, cleanEnv, ControllerProcess, freePort, http, makeTempDir, removeTempDir, UserClient, waitFor } from './support';

jest.setTimeout(180_000);

/** The agents in these tests probe peers, and so refresh their keys, every 500 ms (test/support/agent.ts). */
const POLL_INTERVAL_MS = 500;
/** One poll interval, plus the time a loaded 2-core machine takes to push a map and fetch a set. */
const WITHIN_ONE_POLL_MS = POLL_INTERVAL_MS + 4_500;

const mode = (path: string) => statSync(path).mode & 0o777;

/** The keys an agent holds, opened with its own sealing key (what its store has in memory). */
function heldKeys(agent: AgentProcess): Map<string, { owner: string; secret: string }> {
  const file = join(agent.dataDir, 'access-keys.json');
  if (!existsSync(file)) return new Map();
  const set = JSON.parse(readFileSync(file, 'utf8')) as SealedAccessKeySet;
  const key = createPrivateKey(readFileSync(join(agent.dataDir, 'access-keys.key'), 'utf8'));
  return new Map(openAccessKeys(set, key, agent.name).map((k) => [k.accessKeyId, { owner: k.owner, secret: k.secret }]));
}

/** What a signed ListBuckets answers at an S3 endpoint: 'ok' or the S3 error code. */
async function listBuckets(endpoint: string, key: { accessKeyId: string; secretAccessKey: string }): Promise<string> {
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, maxAttempts: 1, credentials: key });
  try {
    await client.send(new ListBucketsCommand({}));
    return 'ok';
  } catch (error) {
    return (error as { name?: string }).name ?? String(error);
  } finally {
    client.destroy();
  }
}

describe('S3 access keys (controller + 2 fs agents)', () => {
  let dir: string;
  let controller: ControllerProcess;
  const agents: AgentProcess[] = [];
  const s3Urls: string[] = [];
  let admin: string;
  const secrets: string[] = [];

  beforeAll(async () => {
    dir = makeTempDir('mcos-access-keys-');
    controller = await ControllerProcess.start({ dir, settings: { expectedServices: 2 } });
    for (let i = 1; i <= 2; i++) {
      const port = await freePort();
      agents.push(await AgentProcess.start({ name: `fs-${i}`, region: `region-${i}`, controllerUrl: controller.url, dir: join(dir, `fs-${i}`), settings: { s3: { host: '127.0.0.1', port } } }));
      s3Urls.push(`http://127.0.0.1:${port}`);
    }
    await Promise.all(agents.map((a) => a.waitUntilServing()));
    admin = await controller.login();
    for (const username of ['kim', 'lee', 'max']) {
      expect((await http('POST', `${controller.url}/v1/users`, { token: admin, body: { username, password: `${username}-password` } })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await controller?.stop();
    removeTempDir(dir);
  });

  const adminKeys = (username: string) => `${controller.url}/v1/users/${username}/keys`;

  async function heldEverywhere(accessKeyId: string, secret: string): Promise<void> {
    for (const [i, agent] of agents.entries()) {
      await waitFor(() => heldKeys(agent).get(accessKeyId)?.secret === secret, { timeoutMs: WITHIN_ONE_POLL_MS, description: `${accessKeyId} at ${agent.name}` });
      expect(await listBuckets(s3Urls[i]!, { accessKeyId, secretAccessKey: secret })).toBe('ok');
    }
  }

  /** Refused by every S3 door and gone from every sealed copy, within one poll interval of `since`. */
  async function goneEverywhere(key: { accessKeyId: string; secretAccessKey: string }, since: number): Promise<void> {
    for (const [i, agent] of agents.entries()) {
      await waitFor(async () => (await listBuckets(s3Urls[i]!, key)) === 'InvalidAccessKeyId', { timeoutMs: WITHIN_ONE_POLL_MS, description: `${key.accessKeyId} refused at ${agent.name}` });
    }
    const refusedAt = Date.now();
    for (const agent of agents) {
      await waitFor(() => !heldKeys(agent).has(key.accessKeyId), { timeoutMs: WITHIN_ONE_POLL_MS, description: `${key.accessKeyId} gone at ${agent.name}` });
    }
    expect(refusedAt - since).toBeLessThan(WITHIN_ONE_POLL_MS);
  }

  it('makes a key as admin: the secret once, a list without it, signed S3 requests verified at both agents (a wrong secret refused), sealed there 0600 and never in clear', async () => {
    const created = await http<CreatedAccessKey>('POST', adminKeys('kim'), { token: admin });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { accessKeyId, secretAccessKey } = created.body;
    secrets.push(secretAccessKey);
    expect(accessKeyId).toMatch(ACCESS_KEY_ID_PATTERN);
    expect(secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);

    const listed = await http<AccessKeyView[]>('GET', adminKeys('kim'), { token: admin });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([{ accessKeyId, createdAt: created.body.createdAt }]);
    expect(JSON.stringify(listed.body)).not.toContain(secretAccessKey);

    await heldEverywhere(accessKeyId, secretAccessKey);
    expect(await listBuckets(s3Urls[0]!, { accessKeyId, secretAccessKey: secretAccessKey.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })).toBe('SignatureDoesNotMatch');
    for (const agent of agents) {
      expect(heldKeys(agent).get(accessKeyId)?.owner).toBe('kim');
      const sealedFile = join(agent.dataDir, 'access-keys.json');
      expect(readFileSync(sealedFile, 'utf8')).not.toContain(secretAccessKey);
      expect(mode(sealedFile)).toBe(0o600);
      expect(mode(join(agent.dataDir, 'access-keys.key'))).toBe(0o600);
    }
  });

  it('refuses what is not allowed: a non-admin on the admin API, unknown users, the 11th key, the agent fetch without an agent', async () => {
    const kim = await UserClient.login(agents[0]!.url, 'kim', 'kim-password');
    expect((await http('POST', adminKeys('kim'), { token: kim.token })).status).toBe(403);
    expect((await http('POST', adminKeys('kim'))).status).toBe(401);
    expect((await http('GET', `${controller.url}/v1/me/keys`)).status).toBe(401);
    expect((await http('GET', `${controller.url}/v1/me/keys`, { token: kim.token })).status).toBe(200);
    expect((await http('POST', adminKeys('nobody'), { token: admin })).status).toBe(404);
    expect((await http('DELETE', `${adminKeys('kim')}/MCOSAAAAAAAAAAAAAAAA`, { token: admin })).status).toBe(404);
    expect((await http('POST', `${controller.url}/v1/agent/access-keys`, { body: { sealingKey: 'x'.repeat(43), sealingKeySignature: 'x' } })).status).toBe(401);
    expect((await http('POST', `${controller.url}/v1/agent/access-keys`, { token: admin, body: {} })).status).toBe(401);
    const made: string[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = await http<CreatedAccessKey>('POST', adminKeys('max'), { token: admin });
      if (answer.status !== 201) {
        expect(answer.status).toBe(409);
        break;
      }
      secrets.push(answer.body.secretAccessKey);
      made.push(answer.body.accessKeyId);
    }
    expect(made).toHaveLength(10);
    expect((await http('POST', adminKeys('max'), { token: admin })).status).toBe(409);
    for (const id of made) expect((await http('DELETE', `${adminKeys('max')}/${id}`, { token: admin })).status).toBe(204);
  });

  it("lets a user manage their own keys through an agent (/v1/keys, forwarded with the user's token)", async () => {
    const lee = await UserClient.login(agents[1]!.url, 'lee', 'lee-password');
    const created = await lee.request('POST', '/v1/keys');
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const key = created.json<CreatedAccessKey>();
    secrets.push(key.secretAccessKey);
    const listed = await lee.at(agents[0]!.url).request('GET', '/v1/keys');
    expect(listed.status).toBe(200);
    expect(listed.json<AccessKeyView[]>().map((k) => k.accessKeyId)).toEqual([key.accessKeyId]);
    expect(listed.body.toString()).not.toContain(key.secretAccessKey);
    await heldEverywhere(key.accessKeyId, key.secretAccessKey);
    // Someone else's key is not theirs to revoke.
    const kimKey = (await http<AccessKeyView[]>('GET', adminKeys('kim'), { token: admin })).body[0]!.accessKeyId;
    expect((await lee.request('DELETE', `/v1/keys/${kimKey}`)).status).toBe(404);
    expect((await lee.request('DELETE', '/v1/keys/not-a-key-id')).status).toBe(404);
    expect((await lee.request('GET', '/v1/keys', { token: null })).status).toBe(401);

    const revokedAt = Date.now();
    expect((await lee.request('DELETE', `/v1/keys/${key.accessKeyId}`)).status).toBe(204);
    await goneEverywhere(key, revokedAt);
    expect((await lee.request('GET', '/v1/keys')).json<AccessKeyView[]>()).toEqual([]);
  });

  it('drives it all from the CLI: mcos keys create|ls|rm and mcos admin keys', async () => {
    const cliConfig = join(dir, 'cli-config');
    const mcos = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [builtScript('apps/cli/src/main.js'), ...args], { env: cleanEnv({ MCOS_CLI_CONFIG_DIR: cliConfig }), timeout: 60_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 255) : 0, stdout, stderr }),
        );
      });
    expect((await mcos('login', agents[0]!.url, '--username', 'lee', '--password', 'lee-password')).code).toBe(0);
    const text = await mcos('keys', 'create');
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/shown this once/);
    const [, textId, textSecret] = /Access key id:\s+(\S+)\nSecret access key:\s+(\S+)/.exec(text.stdout) ?? [];
    expect(textId).toMatch(ACCESS_KEY_ID_PATTERN);
    secrets.push(textSecret!);
    const json = await mcos('--json', 'keys', 'create');
    const created = JSON.parse(json.stdout) as CreatedAccessKey;
    secrets.push(created.secretAccessKey);
    const ls = JSON.parse((await mcos('--json', 'keys', 'ls')).stdout) as AccessKeyView[];
    expect(ls.map((k) => k.accessKeyId).sort()).toEqual([textId, created.accessKeyId].sort());
    const table = await mcos('keys', 'ls');
    expect(table.stdout).toContain(created.accessKeyId);
    expect(table.stdout).not.toContain(created.secretAccessKey);
    expect((await mcos('keys', 'rm', textId!)).code).toBe(0);
    expect((await mcos('keys', 'rm', textId!)).code).toBe(1);

    expect((await mcos('login', agents[1]!.url, '--username', 'admin', '--password', 'admin-password-e2e')).code).toBe(0);
    const adminMade = JSON.parse((await mcos('--json', 'admin', 'keys', 'create', 'max')).stdout) as CreatedAccessKey;
    secrets.push(adminMade.secretAccessKey);
    const maxKeys = JSON.parse((await mcos('--json', 'admin', 'keys', 'ls', 'max')).stdout) as AccessKeyView[];
    expect(maxKeys.map((k) => k.accessKeyId)).toEqual([adminMade.accessKeyId]);
    expect((await mcos('admin', 'keys', 'rm', 'max', adminMade.accessKeyId)).code).toBe(0);
    expect(JSON.parse((await mcos('--json', 'admin', 'keys', 'ls', 'max')).stdout)).toEqual([]);
  });

  it("revokes every key of a user at both agents within one poll interval of a password reset, and of the user's deletion", async () => {
    const made = await Promise.all(['lee', 'max'].map(async (username) => (await http<CreatedAccessKey>('POST', adminKeys(username), { token: admin })).body));
    made.forEach((k) => secrets.push(k.secretAccessKey));
    for (const key of made) await heldEverywhere(key.accessKeyId, key.secretAccessKey);

    const resetAt = Date.now();
    expect((await http('PUT', `${controller.url}/v1/users/lee/password`, { token: admin, body: { password: 'lee-password-2' } })).status).toBe(204);
    await goneEverywhere(made[0]!, resetAt);
    expect((await http<AccessKeyView[]>('GET', adminKeys('lee'), { token: admin })).body).toEqual([]);

    const deletedAt = Date.now();
    expect((await http('DELETE', `${controller.url}/v1/users/max`, { token: admin })).status).toBe(204);
    await goneEverywhere(made[1]!, deletedAt);
    // A re-created user of that name does not inherit the keys.
    expect((await http('POST', `${controller.url}/v1/users`, { token: admin, body: { username: 'max', password: 'max-password' } })).status).toBe(201);
    expect((await http<AccessKeyView[]>('GET', adminKeys('max'), { token: admin })).body).toEqual([]);
  });

  it("shows when a key was last used, as the agents report it with their refresh", async () => {
    const created = (await http<CreatedAccessKey>('POST', adminKeys('kim'), { token: admin })).body;
    secrets.push(created.secretAccessKey);
    await heldEverywhere(created.accessKeyId, created.secretAccessKey);
    const usedAt = Date.now();
    expect(await listBuckets(s3Urls[1]!, created)).toBe('ok');
    const seen = await waitFor(
      async () => (await http<AccessKeyView[]>('GET', adminKeys('kim'), { token: admin })).body.find((k) => k.accessKeyId === created.accessKeyId)?.lastUsedAt,
      { timeoutMs: WITHIN_ONE_POLL_MS, description: 'lastUsedAt reported' },
    );
    // To the minute: within the minute of the use (or the one before, across a minute boundary).
    expect(Date.parse(seen)).toBeGreaterThan(usedAt - 2 * 60_000);
    expect(Date.parse(seen)).toBeLessThanOrEqual(Date.now());
    expect((await http('DELETE', `${adminKeys('kim')}/${created.accessKeyId}`, { token: admin })).status).toBe(204);
    await goneEverywhere(created, Date.now());
  });

  it('documents the routes in Swagger', async () => {
    const doc = (await http<{ paths: Record<string, unknown> }>('GET', `${controller.url}/docs-json`)).body;
    for (const path of ['/v1/users/{username}/keys', '/v1/users/{username}/keys/{accessKeyId}', '/v1/me/keys', '/v1/me/keys/{accessKeyId}', '/v1/agent/access-keys']) {
      expect(doc.paths[path]).toBeDefined();
    }
  });

  it('keeps the keys at an agent restarted while the controller is down', async () => {
    const kimKeys = (await http<AccessKeyView[]>('GET', adminKeys('kim'), { token: admin })).body;
    expect(kimKeys).toHaveLength(1);
    const kimSecret = heldKeys(agents[0]!).get(kimKeys[0]!.accessKeyId)!.secret;
    const [agent] = agents as [AgentProcess];
    const before = heldKeys(agent);
    expect(before.has(kimKeys[0]!.accessKeyId)).toBe(true);
    await controller.stop();
    try {
      await agent.restart();
      await waitFor(() => /access keys restored from disk: 1 key\(s\)/.test(readFileSync(join(agent.dir, 'agent.log'), 'utf8')), { timeoutMs: 10_000, description: 'keys restored' });
      await agent.waitUntilServing();
      // The failed fetches (controller down) kept the set: still there after several poll intervals.
      await waitFor(() => /access-key fetch failed, keeping 1 key\(s\)/.test(readFileSync(join(agent.dir, 'agent.log'), 'utf8')), { timeoutMs: 10_000, description: 'fetch failure noted' });
      expect(heldKeys(agent)).toEqual(before);
      // The S3 door of the restarted agent verifies the key with no controller to ask.
      expect(await listBuckets(s3Urls[0]!, { accessKeyId: kimKeys[0]!.accessKeyId, secretAccessKey: kimSecret })).toBe('ok');
    } finally {
      await controller.restart();
    }
    // Back with the controller: the agent rejoins and keeps working with the same keys.
    const created = (await http<CreatedAccessKey>('POST', adminKeys('kim'), { token: await controller.login() })).body;
    secrets.push(created.secretAccessKey);
    await heldEverywhere(created.accessKeyId, created.secretAccessKey);
    expect(heldKeys(agent).has(kimKeys[0]!.accessKeyId)).toBe(true);
  });

  it('never writes a secret to a log', () => {
    expect(secrets.length).toBeGreaterThan(10);
    const logs = [join(dir, 'controller.log'), ...agents.map((a) => join(a.dir, 'agent.log'))].map((f) => readFileSync(f, 'utf8'));
    for (const secret of secrets) for (const log of logs) expect(log.includes(secret)).toBe(false);
  });
});
