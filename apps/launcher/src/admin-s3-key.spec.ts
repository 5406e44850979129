import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SigV4Verifier } from '../../agent/src/s3/auth/sigv4-verifier';
import { MapCredentialStore, TEST_KEY } from '../../agent/src/s3/testing/reference-signer';
import { ensureAdminS3Key, signedListBucketsHeaders } from './admin-s3-key';
import type { ClusterPlan } from './cluster-plan';

describe("the launcher's ListBuckets probe", () => {
  const key = { accessKeyId: TEST_KEY.accessKeyId, secretAccessKey: TEST_KEY.secret };
  const store = new MapCredentialStore({ [TEST_KEY.accessKeyId]: { secret: TEST_KEY.secret, owner: 'admin' } });
  const request = (headers: Record<string, string>) => ({ method: 'GET', path: '/', query: '', headers: { host: '127.0.0.1:7101', ...headers }, body: Readable.from([]) });

  it("is signed as the agents' SigV4 verifier checks it", async () => {
    const now = new Date();
    const verified = await new SigV4Verifier({ credentials: store }).verify(request(signedListBucketsHeaders('127.0.0.1:7101', key, now)));
    expect(verified.accessKeyId).toBe(TEST_KEY.accessKeyId);
  });

  it('fails with another secret or another host', async () => {
    const verifier = new SigV4Verifier({ credentials: store });
    await expect(verifier.verify(request(signedListBucketsHeaders('127.0.0.1:7101', { ...key, secretAccessKey: 'wrong' }, new Date())))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    await expect(verifier.verify(request(signedListBucketsHeaders('127.0.0.1:7102', key, new Date())))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });
});

describe("the admin's S3 key (ensureAdminS3Key) against a stand-in controller", () => {
  let dir: string;
  let server: Server;
  let url: string;
  /** Keys the stand-in holds; requests it saw. */
  let keys: string[];
  let seen: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'launcher-s3key-'));
    keys = [];
    seen = [];
    let made = 0;
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/v1/auth/login') return json(200, { token: 't' });
      if (req.headers.authorization !== 'Bearer t') return json(401, {});
      if (req.method === 'GET' && req.url === '/v1/users/admin/keys') return json(200, keys.map((accessKeyId) => ({ accessKeyId, createdAt: '2026-01-01T00:00:00Z' })));
      if (req.method === 'POST' && req.url === '/v1/users/admin/keys') {
        const accessKeyId = `MCOSKEY${++made}`;
        keys.push(accessKeyId);
        return json(201, { accessKeyId, secretAccessKey: `secret-${made}`, createdAt: '2026-01-01T00:00:00Z' });
      }
      json(404, {});
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((ok) => server.close(ok));
    rmSync(dir, { recursive: true, force: true });
  });

  const plan = () => ({ controller: { url }, layout: { adminS3KeyFile: join(dir, 'admin-s3-key') } }) as unknown as ClusterPlan;
  const admin = { username: 'admin', password: 'pw' };

  it('makes one on the first start, keeps it 0600, and reuses it while the controller lists it', async () => {
    const logged: string[] = [];
    const first = await ensureAdminS3Key(plan(), admin, (l) => logged.push(l));
    expect(first).toEqual({ accessKeyId: 'MCOSKEY1', secretAccessKey: 'secret-1' });
    expect(statSync(join(dir, 'admin-s3-key')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, 'admin-s3-key'), 'utf8'))).toEqual(first);
    seen = [];
    expect(await ensureAdminS3Key(plan(), admin, (l) => logged.push(l))).toEqual(first);
    expect(seen).toEqual(['POST /v1/auth/login', 'GET /v1/users/admin/keys']);
  });

  it('makes a new one when the kept key was revoked, and says so', async () => {
    await ensureAdminS3Key(plan(), admin, () => undefined);
    keys = [];
    const logged: string[] = [];
    expect(await ensureAdminS3Key(plan(), admin, (l) => logged.push(l))).toEqual({ accessKeyId: 'MCOSKEY2', secretAccessKey: 'secret-2' });
    expect(logged.join('\n')).toContain('MCOSKEY1 was revoked');
  });

  it('gives none (and touches no file) when the admin cannot log in', async () => {
    server.removeAllListeners('request');
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => res.writeHead(401).end());
    expect(await ensureAdminS3Key(plan(), admin, () => undefined)).toBeUndefined();
    expect(existsSync(join(dir, 'admin-s3-key'))).toBe(false);
  });
});
