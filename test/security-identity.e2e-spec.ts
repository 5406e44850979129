/**
 * Issue 13, points 2, 3, 5, 6 and the login throttle of 8, at the controller
 * (a real controller process, spoken to over HTTP as an agent or an attacker
 * would). The attacks on agents themselves are in security-cluster.e2e-spec.ts.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLIENT_ADDRESS_HEADER,
  type ClusterMap,
  CONTROLLER_ISSUER,
  generateEd25519KeyPair,
  JOIN_TOKEN_HEADER,
  keyIdOf,
  SERVICE_ASSERTION_HEADER,
  signAssertion,
  signToken,
  verifyClusterMap,
} from '@mcos/common';
import { builtScript, ControllerProcess, http, makeTempDir, NodeProcess, removeTempDir, TEST_JOIN_TOKEN } from './support';

jest.setTimeout(90_000);

/** An agent's identity as an agent (or an attacker) holds it. */
class Identity {
  readonly publicKey: string;
  private readonly privateKey: KeyObject;

  constructor(readonly name: string) {
    const pair = generateEd25519KeyPair();
    this.publicKey = pair.publicKeyPem;
    this.privateKey = createPrivateKey(pair.privateKeyPem);
  }

  /** An assertion to the controller, as `issuer` (default: its own name), signed with this key. */
  assertion(issuer = this.name): string {
    const now = Date.now();
    return signAssertion({ iss: issuer, aud: CONTROLLER_ISSUER, iat: now, exp: now + 60_000 }, this.privateKey);
  }

  headers(issuer?: string): Record<string, string> {
    return { [SERVICE_ASSERTION_HEADER]: this.assertion(issuer) };
  }
}

describe('security at the controller: identities, signed maps, revocation, files', () => {
  let dir: string;
  let controller: ControllerProcess;
  let admin: string;

  const register = (who: Identity, options: { name?: string; issuer?: string; url?: string } = {}) =>
    http<{ clusterMap: ClusterMap; clusterCredential?: string; message?: string }>('POST', `${controller.url}/v1/services/register`, {
      headers: { [JOIN_TOKEN_HEADER]: TEST_JOIN_TOKEN, ...who.headers(options.issuer) },
      body: { name: options.name ?? who.name, url: options.url ?? `http://127.0.0.1:9/${who.name}`, region: 'r1', backend: 'fs', publicKey: who.publicKey },
    });

  beforeAll(async () => {
    dir = makeTempDir('mcos-sec-ctl-');
    controller = await ControllerProcess.start({ dir, settings: { expectedServices: 9 } });
    admin = await controller.login();
  });

  afterAll(async () => {
    await controller?.stop();
    removeTempDir(dir);
  });

  it('answers a registration with a signed map and no shared credential; the pinned key verifies every later map', async () => {
    const alpha = new Identity('alpha');
    const joined = await register(alpha);
    expect(joined.status).toBe(200);
    expect(joined.body.clusterCredential).toBeUndefined();
    const pinned = verifyClusterMap(joined.body.clusterMap, undefined);
    expect(joined.body.clusterMap.services.find((s) => s.name === 'alpha')?.publicKey).toBe(alpha.publicKey);

    const pulled = await http<ClusterMap>('GET', `${controller.url}/v1/cluster-map`, { headers: alpha.headers() });
    expect(pulled.status).toBe(200);
    expect(verifyClusterMap(pulled.body, pinned, joined.body.clusterMap.version).keyId).toBe(pinned.keyId);
    // Tampering with anything (here: the attack's version and key) breaks the signature.
    const forged = { ...pulled.body, version: pulled.body.version + 1, tokenPublicKey: generateEd25519KeyPair().publicKeyPem };
    expect(() => verifyClusterMap(forged, pinned, pulled.body.version)).toThrow(/invalid cluster map signature/);
  });

  it('refuses a registration without proof of the key, or taking a known name with another key (409)', async () => {
    const beta = new Identity('beta');
    expect((await register(beta)).status).toBe(200);
    const mallory = new Identity('mallory');
    // Mallory has the join token and beta's public key, but not its private key.
    const stolenKey = await http('POST', `${controller.url}/v1/services/register`, {
      headers: { [JOIN_TOKEN_HEADER]: TEST_JOIN_TOKEN, ...mallory.headers('beta') },
      body: { name: 'beta', url: 'http://127.0.0.1:9/evil', region: 'r1', backend: 'fs', publicKey: beta.publicKey },
    });
    expect(stolenKey.status).toBe(401);
    const ownKey = await register(mallory, { name: 'beta', issuer: 'beta', url: 'http://127.0.0.1:9/evil' });
    expect(ownKey.status).toBe(409);
    const noProof = await http('POST', `${controller.url}/v1/services/register`, {
      headers: { [JOIN_TOKEN_HEADER]: TEST_JOIN_TOKEN },
      body: { name: 'gamma', url: 'http://127.0.0.1:9/g', region: 'r1', backend: 'fs', publicKey: mallory.publicKey },
    });
    expect(noProof.status).toBe(401);
    const service = await http('GET', `${controller.url}/v1/services/beta`, { token: admin });
    expect(service.body.url).toBe('http://127.0.0.1:9/beta');
  });

  it('lets an agent shut off only itself', async () => {
    const delta = new Identity('delta');
    const epsilon = new Identity('epsilon');
    expect((await register(delta)).status).toBe(200);
    expect((await register(epsilon)).status).toBe(200);
    expect((await http('POST', `${controller.url}/v1/services/delta/deregister`, { headers: epsilon.headers() })).status).toBe(403);
    expect((await http('POST', `${controller.url}/v1/services/delta/deregister`, { headers: epsilon.headers('delta') })).status).toBe(401);
    expect((await http('POST', `${controller.url}/v1/services/delta/deregister`, { headers: delta.headers() })).status).toBe(204);
    expect((await http('GET', `${controller.url}/v1/services/delta`, { token: admin })).body.status).toBe('SHUTOFF');
  });

  it('revokes one agent: out of the map, its assertions refused, no re-registration (403) until re-admitted', async () => {
    const zeta = new Identity('zeta');
    expect((await register(zeta)).status).toBe(200);
    expect((await http('GET', `${controller.url}/v1/cluster-map`, { headers: zeta.headers() })).status).toBe(200);
    expect((await http('POST', `${controller.url}/v1/services/zeta/revoke`, { token: admin })).status).toBe(200);
    expect((await http('GET', `${controller.url}/v1/cluster-map`, { headers: zeta.headers() })).status).toBe(401);
    const map = await http<ClusterMap>('GET', `${controller.url}/v1/cluster-map`, { headers: new Identity('x').headers('alpha') });
    expect(map.status).toBe(401);
    const rejoin = await register(zeta);
    expect(rejoin.status).toBe(403);
    expect(rejoin.body.message).toMatch(/re-admit/);
    const zeta2 = new Identity('zeta');
    expect((await register(zeta2)).status).toBe(403);

    const readmit = await http('POST', `${controller.url}/v1/services/zeta/readmit`, { token: admin });
    expect(readmit.status).toBe(200);
    const back = await register(zeta2);
    expect(back.status).toBe(200);
    expect(back.body.clusterMap.services.find((s) => s.name === 'zeta')?.publicKey).toBe(zeta2.publicKey);
    expect((await http('GET', `${controller.url}/v1/cluster-map`, { headers: zeta.headers() })).status).toBe(401);
    expect((await http('GET', `${controller.url}/v1/cluster-map`, { headers: zeta2.headers() })).status).toBe(200);
  });

  it('refuses a REMOVED service\'s old identity (403) until an admin re-admits it', async () => {
    const eta = new Identity('eta');
    expect((await register(eta)).status).toBe(200);
    expect((await http('DELETE', `${controller.url}/v1/services/eta`, { token: admin })).status).toBe(200);
    expect((await register(eta)).status).toBe(403);
    expect((await http('POST', `${controller.url}/v1/services/eta/readmit`, { token: admin })).status).toBe(200);
    expect((await register(eta)).status).toBe(200);
  });

  it('revokes an admin\'s tokens on a password reset and on deletion; a token signed by anyone else is refused', async () => {
    const created = await http('POST', `${controller.url}/v1/users`, { token: admin, body: { username: 'root2', password: 'root2-password', role: 'admin' } });
    expect(created.status).toBe(201);
    const root2 = await controller.login('root2', 'root2-password');
    expect((await http('GET', `${controller.url}/v1/services`, { token: root2 })).status).toBe(200);
    expect((await http('PUT', `${controller.url}/v1/users/root2/password`, { token: admin, body: { password: 'another-password' } })).status).toBe(204);
    expect((await http('GET', `${controller.url}/v1/services`, { token: root2 })).status).toBe(401);
    const fresh = await controller.login('root2', 'another-password');
    expect((await http('GET', `${controller.url}/v1/services`, { token: fresh })).status).toBe(200);

    // The map carries root2's generation; a token the attacker signs with its own key, whatever kid it names, is refused.
    const map = (await http<ClusterMap>('GET', `${controller.url}/v1/cluster-map`, { headers: (await firstIdentity()).headers() })).body;
    const attacker = generateEd25519KeyPair();
    const now = Math.floor(Date.now() / 1000);
    for (const kid of [keyIdOf(attacker.publicKeyPem), map.tokenKeys?.[0]?.kid as string]) {
      const forged = signToken({ sub: 'admin', role: 'admin', iat: now, exp: now + 600, gen: 1e9 }, attacker.privateKeyPem, kid);
      expect((await http('GET', `${controller.url}/v1/services`, { token: forged })).status).toBe(401);
    }
    expect((await http('DELETE', `${controller.url}/v1/users/root2`, { token: admin })).status).toBe(204);
    expect((await http('GET', `${controller.url}/v1/services`, { token: fresh })).status).toBe(401);
  });

  let alphaIdentity: Identity | undefined;
  async function firstIdentity(): Promise<Identity> {
    alphaIdentity ??= new Identity('theta');
    expect((await register(alphaIdentity)).status).toBe(200);
    return alphaIdentity;
  }

  it('throttles guesses by source address too, believing a forwarded address only from an agent', async () => {
    await http('POST', `${controller.url}/v1/users`, { token: admin, body: { username: 'carol', password: 'carol-password', role: 'user' } });
    const guess = (headers: Record<string, string> = {}) =>
      http('POST', `${controller.url}/v1/auth/login`, { headers, body: { username: 'carol', password: 'wrong-password' } });
    for (let i = 0; i < 5; i++) expect((await guess({ [CLIENT_ADDRESS_HEADER]: `10.0.0.${i}` })).status).toBe(401);
    // A client naming a new address per guess is still one address (127.0.0.1) to the throttle.
    const sixth = await guess({ [CLIENT_ADDRESS_HEADER]: '10.0.0.99' });
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    // An agent forwarding another user's login from another address is not held up by the guesser.
    const agent = await firstIdentity();
    const forwarded = await http('POST', `${controller.url}/v1/auth/login`, {
      headers: { ...agent.headers(), [CLIENT_ADDRESS_HEADER]: '192.168.7.7' },
      body: { username: 'carol', password: 'carol-password' },
    });
    expect(forwarded.status).toBe(200);
  });

  it('keeps the new admin routes for admins only (401 without a token, 403 for a user)', async () => {
    await http('POST', `${controller.url}/v1/users`, { token: admin, body: { username: 'plain', password: 'plain-password' } });
    const user = await controller.login('plain', 'plain-password');
    for (const path of ['/v1/services/alpha/revoke', '/v1/services/alpha/readmit', '/v1/cluster/keys/map/rotate', '/v1/cluster/keys/token/rotate']) {
      expect({ path, status: (await http('POST', `${controller.url}${path}`)).status }).toEqual({ path, status: 401 });
      expect({ path, status: (await http('POST', `${controller.url}${path}`, { token: user })).status }).toEqual({ path, status: 403 });
    }
    const doc = await http('GET', `${controller.url}/docs-json`);
    expect(doc.body.paths['/v1/users/{username}'].delete.parameters.map((p: { name: string }) => p.name)).toContain('purge');
    expect(doc.body.paths['/v1/services/{name}/readmit'].post.security).toEqual([{ bearer: [] }]);
  });

  it('keeps the database file 0600 in a 0700 directory', async () => {
    expect(statSync(join(dir, 'controller.sqlite')).mode & 0o777).toBe(0o600);
    const otherDir = makeTempDir('mcos-sec-ctl-db-');
    const nested = join(otherDir, 'db-dir');
    const other = await ControllerProcess.start({ dir: otherDir, database: { type: 'sqlite', path: join(nested, 'c.sqlite') } });
    try {
      expect(statSync(nested).mode & 0o777).toBe(0o700);
      expect(statSync(join(nested, 'c.sqlite')).mode & 0o777).toBe(0o600);
      expect(statSync(join(nested, 'c.sqlite-wal')).mode & 0o777).toBe(0o600);
    } finally {
      await other.stop();
      removeTempDir(otherDir);
    }
  });

  it('refuses to start with the example secrets unless in dev mode', async () => {
    const configFile = join(dir, 'example.yaml');
    writeFileSync(
      configFile,
      `joinToken: change-me-join-token\nport: 1\nbootstrapAdmin:\n  username: admin\n  password: change-me-admin-password\ndatabase:\n  type: sqlite\n  path: ${join(dir, 'example.sqlite')}\n`,
    );
    const refused = NodeProcess.start(builtScript('apps/controller/src/main.js'), { env: { MCOS_CONFIG: configFile }, cwd: dir });
    expect(await refused.waitForExit(15_000)).toBe(1);
    expect(refused.output()).toMatch(/joinToken holds a published example value/);
    expect(refused.output()).toMatch(/bootstrapAdmin\.password holds a published example value/);

    const devDir = makeTempDir('mcos-sec-ctl-dev-');
    try {
      const dev = await ControllerProcess.start({ dir: devDir, settings: { joinToken: 'change-me-join-token', devMode: true } });
      await dev.stop();
    } finally {
      removeTempDir(devDir);
    }
  });
});
