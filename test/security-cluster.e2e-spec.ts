/**
 * Issue 13, points 2, 3, 5 and 6 as attacks on a running cluster (a
 * controller and three fs agents, real processes on loopback), each of
 * which must now fail: a compromised agent's stolen identity used to push or
 * relay a forged cluster map (version 2^53-1, the attacker's token key) and
 * to mint tokens; a tampered map on an agent's disk; a deleted user's token;
 * a re-created user reading the old user's objects; world-readable secrets.
 */
import Database from 'better-sqlite3';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import {
  type ClusterMap,
  CONTROLLER_ISSUER,
  endorseMapKey,
  generateEd25519KeyPair,
  keyIdOf,
  SERVICE_ASSERTION_HEADER,
  signAssertion,
  signClusterMap,
  signToken,
} from '@mcos/common';
import { AgentProcess, ControllerProcess, http, makeTempDir, removeTempDir, TEST_ADMIN, UserClient, waitFor } from './support';

jest.setTimeout(180_000);

const mode = (path: string) => statSync(path).mode & 0o777;

/** What an attacker who took over an agent's data dir holds: its identity key. */
function stolenIdentity(agent: AgentProcess): KeyObject {
  return createPrivateKey(readFileSync(join(agent.dataDir, 'identity.key'), 'utf8'));
}

function assertionAs(key: KeyObject, issuer: string, audience: string): string {
  const now = Date.now();
  return signAssertion({ iss: issuer, aud: audience, iat: now, exp: now + 60_000 }, key);
}

/** The attack of the issue: the held map with version 2^53-1, the attacker's token key and users, signed by the attacker. */
function forgedMap(base: ClusterMap, attacker: { publicKeyPem: string; privateKeyPem: string }): ClusterMap {
  const kid = keyIdOf(attacker.publicKeyPem);
  const unsigned: ClusterMap = {
    ...base,
    version: 2 ** 53 - 1,
    tokenPublicKey: attacker.publicKeyPem,
    tokenKeys: [{ kid, publicKey: attacker.publicKeyPem }],
    users: { ...base.users, [TEST_ADMIN.username]: 0 },
    mapKeys: [endorseMapKey(attacker.publicKeyPem)],
  };
  return signClusterMap(unsigned, createPrivateKey(attacker.privateKeyPem));
}

/** A token for the admin signed with the attacker's key, naming the attacker's kid. */
function attackerToken(attacker: { publicKeyPem: string; privateKeyPem: string }, kid = keyIdOf(attacker.publicKeyPem)): string {
  const now = Math.floor(Date.now() / 1000);
  return signToken({ sub: TEST_ADMIN.username, role: 'admin', iat: now, exp: now + 3600, gen: 2 ** 40 }, attacker.privateKeyPem, kid);
}

describe('security of a running cluster (controller + 3 fs agents)', () => {
  let dir: string;
  let controller: ControllerProcess;
  const agents: AgentProcess[] = [];
  let admin: string;
  const attacker = generateEd25519KeyPair();

  const containersStatus = async (agent: AgentProcess, token: string) =>
    (await http('GET', `${agent.url}/v1/containers`, { token })).status;

  beforeAll(async () => {
    dir = makeTempDir('mcos-sec-cluster-');
    controller = await ControllerProcess.start({ dir, settings: { expectedServices: 3 } });
    for (let i = 1; i <= 3; i++) {
      agents.push(await AgentProcess.start({ name: `fs-${i}`, region: `region-${i}`, controllerUrl: controller.url, dir: join(dir, `fs-${i}`) }));
    }
    await Promise.all(agents.map((a) => a.waitUntilServing()));
    admin = await controller.login();
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await controller?.stop();
    removeTempDir(dir);
  });

  it('keeps every secret and map file of the agents 0600 in 0700 data dirs, and the database 0600', () => {
    for (const agent of agents) {
      expect({ agent: agent.name, mode: mode(agent.dataDir) }).toEqual({ agent: agent.name, mode: 0o700 });
      for (const file of ['identity.key', 'controller-key.json', 'cluster-map.json']) {
        expect({ file: `${agent.name}/${file}`, mode: mode(join(agent.dataDir, file)) }).toEqual({ file: `${agent.name}/${file}`, mode: 0o600 });
      }
      expect(agent.output()).not.toMatch(/cluster-credential/);
    }
    expect(mode(join(dir, 'controller.sqlite'))).toBe(0o600);
  });

  it('refuses a map pushed with a stolen agent identity, and the tokens the attacker signs (401)', async () => {
    const [a, b] = agents as [AgentProcess, AgentProcess];
    const stolen = stolenIdentity(a);
    const held = b.persistedMap();
    const forged = forgedMap(held, attacker);
    for (const assertion of [
      assertionAs(stolen, a.name, b.name), // a compromised agent speaking as itself
      assertionAs(stolen, CONTROLLER_ISSUER, b.name), // ... or claiming to be the controller
      assertionAs(createPrivateKey(attacker.privateKeyPem), CONTROLLER_ISSUER, b.name),
    ]) {
      const push = await http('PUT', `${b.url}/v1/agent/cluster-map`, { headers: { [SERVICE_ASSERTION_HEADER]: assertion }, body: forged });
      expect(push.status).toBe(401);
    }
    // The old shared-credential header opens nothing.
    expect((await http('PUT', `${b.url}/v1/agent/cluster-map`, { headers: { 'x-mcos-cluster-credential': 'anything' }, body: forged })).status).toBe(401);
    expect(b.persistedMap().version).toBe(held.version);
    for (const agent of agents) {
      expect(await containersStatus(agent, attackerToken(attacker))).toBe(401);
      expect(await containersStatus(agent, attackerToken(attacker, held.tokenKeys?.[0]?.kid))).toBe(401);
    }
  });

  it('revokes a user\'s tokens at every agent within one poll interval of a password reset', async () => {
    expect((await http('POST', `${controller.url}/v1/users`, { token: admin, body: { username: 'erin', password: 'erin-password' } })).status).toBe(201);
    const erin = await UserClient.login(agents[0]!.url, 'erin', 'erin-password');
    for (const agent of agents) expect(await containersStatus(agent, erin.token)).toBe(200);
    const reset = Date.now();
    expect((await http('PUT', `${controller.url}/v1/users/erin/password`, { token: admin, body: { password: 'erin-password-2' } })).status).toBe(204);
    for (const agent of agents) {
      await waitFor(async () => (await containersStatus(agent, erin.token)) === 401, { timeoutMs: 15_000, description: `erin's old token refused at ${agent.name}` });
    }
    // The push is immediate and the controller polls every 250 ms here: seconds at most even on a loaded machine, not the token's 12 h.
    expect(Date.now() - reset).toBeLessThan(15_000);
    const again = await UserClient.login(agents[1]!.url, 'erin', 'erin-password-2');
    expect(await containersStatus(agents[2]!, again.token)).toBe(200);
  });

  it('refuses to delete a user who owns data (409); a purge removes it; the re-created user sees none of it', async () => {
    expect((await http('POST', `${controller.url}/v1/users`, { token: admin, body: { username: 'dave', password: 'dave-password' } })).status).toBe(201);
    const dave = await UserClient.login(agents[0]!.url, 'dave', 'dave-password');
    expect((await dave.createContainer('secrets')).status).toBe(201);
    expect((await dave.putObject('secrets', 'diary.txt', Buffer.from('dear diary'))).status).toBe(201);
    expect((await dave.putObject('secrets', 'dir/plans.txt', Buffer.from('world domination'))).status).toBe(201);

    const refused = await http('DELETE', `${controller.url}/v1/users/dave`, { token: admin });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/owns containers \(secrets\).*purge=true/);
    expect((await dave.getObject('secrets', 'diary.txt')).status).toBe(200);

    expect((await http('DELETE', `${controller.url}/v1/users/dave?purge=maybe`, { token: admin })).status).toBe(400);
    expect((await http('DELETE', `${controller.url}/v1/users/dave?purge=true`, { token: admin })).status).toBe(204);
    for (const agent of agents) {
      await waitFor(async () => (await containersStatus(agent, dave.token)) === 401, { timeoutMs: 15_000, description: `dave's token refused at ${agent.name}` });
    }

    expect((await http('POST', `${controller.url}/v1/users`, { token: admin, body: { username: 'dave', password: 'new-dave-password' } })).status).toBe(201);
    const newDave = await UserClient.login(agents[2]!.url, 'dave', 'new-dave-password');
    for (const agent of agents) {
      const at = newDave.at(agent.url);
      expect((await at.request('GET', '/v1/containers')).json().containers).toEqual([]);
      expect((await at.getObject('secrets', 'diary.txt')).status).toBe(404);
    }
    // The old token stays refused for the new user of the same name.
    expect(await containersStatus(agents[0]!, dave.token)).toBe(401);
  });

  it('rotates the map-signing and token keys without losing any agent or any valid token', async () => {
    const oldToken = await controller.login();
    const rotatedMap = await http('POST', `${controller.url}/v1/cluster/keys/map/rotate`, { token: admin });
    expect(rotatedMap.status).toBe(200);
    const rotatedToken = await http('POST', `${controller.url}/v1/cluster/keys/token/rotate`, { token: admin });
    expect(rotatedToken.status).toBe(200);
    for (const agent of agents) {
      await waitFor(() => agent.persistedMap().version >= rotatedToken.body.clusterMapVersion, { timeoutMs: 20_000, description: `${agent.name} follows the rotation` });
      const pinned = JSON.parse(readFileSync(join(agent.dataDir, 'controller-key.json'), 'utf8')) as { keyId: string };
      expect(pinned.keyId).toBe(rotatedMap.body.keyId);
      expect(await containersStatus(agent, oldToken)).toBe(200);
    }
    const fresh = await controller.login();
    expect(JSON.parse(Buffer.from(fresh.split('.')[0]!, 'base64url').toString()).kid).toBe(rotatedToken.body.keyId);
    for (const agent of agents) expect(await containersStatus(agent, fresh)).toBe(200);
  });

  it('ignores a tampered map on an agent\'s disk at start and takes the controller\'s', async () => {
    const c = agents[2]!;
    await c.stop();
    const held = c.persistedMap();
    writeFileSync(join(c.dataDir, 'cluster-map.json'), JSON.stringify({ ...forgedMap(held, attacker), signature: held.signature }));
    await c.start();
    await c.waitUntilServing();
    await waitFor(() => c.persistedMap().version < 2 ** 40 && c.persistedMap().version >= held.version, { timeoutMs: 20_000, description: 'the real map back on disk' });
    expect(c.output()).toMatch(/persisted cluster map refused/);
    expect(await containersStatus(c, attackerToken(attacker))).toBe(401);
    expect(await containersStatus(c, await controller.login())).toBe(200);
  });

  it('keeps a forged map relayed by a compromised peer out while the controller is down', async () => {
    const [, b, c] = agents as [AgentProcess, AgentProcess, AgentProcess];
    // The attacker takes over fs-3's address and claims a newer map; the controller is unreachable.
    const held = b.persistedMap();
    const forged = forgedMap(held, attacker);
    const plausible = signClusterMap({ ...forged, version: held.version + 1 }, createPrivateKey(attacker.privateKeyPem));
    await controller.stop();
    await c.kill();
    const fake: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url?.startsWith('/v1/peer/cluster-map') ? plausible : { name: c.name, clusterMapVersion: plausible.version }));
    });
    await new Promise<void>((resolve) => fake.listen(Number(new URL(c.url).port), '127.0.0.1', resolve));
    try {
      await waitFor(() => /could not pull the map from fs-3: .*(not signed by the pinned|invalid cluster map signature)/.test(b.output()), {
        timeoutMs: 15_000,
        description: `${b.name} refusing the fake peer's map`,
      });
      expect(b.persistedMap().version).toBe(held.version);
      expect(await containersStatus(b, attackerToken(attacker))).toBe(401);
    } finally {
      fake.closeAllConnections();
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
    await controller.restart();
    await c.start();
    await c.waitUntilServing();
  });

  it('revokes one agent: peers refuse its stolen identity within one poll interval, and it cannot register again (403)', async () => {
    const [a, b] = agents as [AgentProcess, AgentProcess];
    const stolen = stolenIdentity(a);
    const ping = () => http('GET', `${b.url}/v1/peer/ping`, { headers: { [SERVICE_ASSERTION_HEADER]: assertionAs(stolen, a.name, b.name) } });
    await waitFor(async () => (await ping()).status === 200, { timeoutMs: 15_000, description: `${b.name} accepts ${a.name} before the revocation` });
    expect((await http('POST', `${controller.url}/v1/services/${a.name}/revoke`, { token: admin })).status).toBe(200);
    await waitFor(async () => (await ping()).status === 401, { timeoutMs: 15_000, description: `${b.name} refuses the revoked ${a.name}` });
    await waitFor(() => !b.persistedMap().services.some((s) => s.name === a.name), { timeoutMs: 15_000, description: `${a.name} out of ${b.name}'s map on disk` });
    // The revoked agent's own attempts to come back are refused until an admin re-admits it.
    await a.stop();
    await a.start();
    await waitFor(() => /registration failed .*re-admit/.test(a.output()), { timeoutMs: 20_000, description: `${a.name} refused at registration` });
    expect((await http('GET', `${controller.url}/v1/services/${a.name}`, { token: admin })).body.status).toBe('REMOVED');
    expect((await http('POST', `${controller.url}/v1/services/${a.name}/readmit`, { token: admin })).status).toBe(200);
    await waitFor(async () => (await http('GET', `${controller.url}/v1/services/${a.name}`, { token: admin })).body.status === 'ACTIVE', {
      timeoutMs: 20_000,
      description: `${a.name} back after re-admission`,
    });
  });

  it('upgrades an agent registered before per-agent keys: its old credential proves it once, then only its key counts', async () => {
    const c = agents[2]!;
    await c.stop();
    await controller.stop();
    // What a cluster from before looks like: the service has no key, the database and the agent hold the shared credential.
    const db = new Database(join(dir, 'controller.sqlite'));
    db.prepare('UPDATE services SET publicKey = NULL WHERE name = ?').run(c.name);
    db.prepare("INSERT INTO cluster_state (key, value) VALUES ('clusterCredential', 'legacy-shared-credential')").run();
    db.close();
    for (const file of ['identity.key', 'controller-key.json']) rmSync(join(c.dataDir, file));
    writeFileSync(join(c.dataDir, 'cluster-credential'), 'legacy-shared-credential', { mode: 0o600 });
    await controller.restart();
    await c.start();
    await c.waitUntilServing();
    await waitFor(() => !existsSync(join(c.dataDir, 'cluster-credential')), { timeoutMs: 20_000, description: 'the old credential forgotten' });
    const newKey = createPublicKey(stolenIdentity(c)).export({ type: 'spki', format: 'pem' }).toString();
    expect(c.persistedMap().services.find((s) => s.name === c.name)?.publicKey).toBe(newKey);
    expect(await containersStatus(c, await controller.login())).toBe(200);
    // The old credential opens nothing now, not even a registration under the name.
    expect((await http('GET', `${controller.url}/v1/cluster-map`, { headers: { 'x-mcos-cluster-credential': 'legacy-shared-credential' } })).status).toBe(401);
  });

  it('brings back an agent that was frozen through a key rotation (the push proves the new key it never saw)', async () => {
    const b = agents[1]!;
    const status = async () => (await http('GET', `${controller.url}/v1/services/${b.name}`, { token: admin })).body.status as string;
    process.kill(b.pid!, 'SIGSTOP');
    try {
      await waitFor(async () => (await status()) === 'DISCONNECTED', { timeoutMs: 30_000, description: `${b.name} DISCONNECTED while frozen` });
      const rotated = await http('POST', `${controller.url}/v1/cluster/keys/map/rotate`, { token: admin });
      expect(rotated.status).toBe(200);
    } finally {
      process.kill(b.pid!, 'SIGCONT');
    }
    await waitFor(async () => (await status()) === 'ACTIVE', { timeoutMs: 30_000, description: `${b.name} ACTIVE again` });
    const map = (await http('GET', `${controller.url}/v1/cluster-map`, { headers: { [SERVICE_ASSERTION_HEADER]: assertionAs(stolenIdentity(b), b.name, CONTROLLER_ISSUER) } })).body as ClusterMap;
    expect((JSON.parse(readFileSync(join(b.dataDir, 'controller-key.json'), 'utf8')) as { keyId: string }).keyId).toBe(map.mapKeys?.at(-1)?.keyId);
  });
});
