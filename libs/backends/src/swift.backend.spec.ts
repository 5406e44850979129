import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

import { requireServer, startSwift, swiftUnavailableReason, type SwiftHandle } from './testing/servers';
import { BackendUnavailableError, InvalidMetadataError, ObjectNotFoundError, PreconditionFailedError } from './backend.errors';
import { SwiftBackend, type SwiftBackendOptions, type SwiftKeystoneAuth } from './swift.backend';
import { describeBackendConformance } from './testing/backend-conformance';
import { bodyOf, digestStream, failingBody, generatedBody, md5Of, readAll } from './testing/test-bodies';

const MIB = 1024 * 1024;
const swift = requireServer('OpenStack Swift', swiftUnavailableReason());
const describeSwift = swift.describe;

/** One Swift for every suite of this file (start-up costs seconds), each suite in its own container; stopped after the last. */
let shared: Promise<SwiftHandle> | undefined;
function acquireSwift(): Promise<SwiftHandle> {
  shared ??= startSwift({ containers: ['plain', 'slo', 'unit', 'keystone'] });
  return shared;
}
afterAll(async () => {
  if (shared) await (await shared).stop();
}, 30_000);

function tempauth(server: SwiftHandle, container: string, extra: Partial<SwiftBackendOptions> = {}): SwiftBackendOptions {
  return { auth: { type: 'tempauth', authUrl: server.authUrl, username: server.user, password: server.key }, container, ...extra };
}

/** Raw native-API calls, to look at what the driver stored. */
async function raw(server: SwiftHandle, method: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const auth = await fetch(server.authUrl, { headers: { 'x-auth-user': server.user, 'x-auth-key': server.key } });
  const token = auth.headers.get('x-auth-token') as string;
  return fetch(`${server.storageUrl}${path}`, { method, headers: { ...headers, 'x-auth-token': token } });
}

async function rawNames(server: SwiftHandle, container: string, prefix = ''): Promise<string[]> {
  const res = await raw(server, 'GET', `/${container}?format=json&prefix=${encodeURIComponent(prefix)}`);
  if (res.status === 404) return [];
  return ((await res.json()) as { name: string }[]).map((o) => o.name);
}

if (!swift.unavailable) {
  describeBackendConformance('swift (Swift native API, tempauth, plain objects up to 5 GiB)', async () => {
    const server = await acquireSwift();
    const backend = new SwiftBackend(tempauth(server, 'plain'));
    return {
      backend,
      teardown: async () => {
        await backend.close();
      },
    };
  });

  // The same contract with tiny limits, so every body above 1 MiB is a Static Large Object.
  describeBackendConformance('swift (Swift native API, Static Large Objects of 1 MiB segments)', async () => {
    const server = await acquireSwift();
    const backend = new SwiftBackend(tempauth(server, 'slo', { maxObjectBytes: MIB, bufferBytes: 256 * 1024 }));
    return {
      backend,
      teardown: async () => {
        await backend.close();
      },
    };
  });
}

describeSwift('SwiftBackend', () => {
  let server: SwiftHandle;
  let sut: SwiftBackend;
  let slo: SwiftBackend;

  beforeAll(async () => {
    server = await acquireSwift();
    sut = new SwiftBackend(tempauth(server, 'unit', { prefix: 'node-a/' }));
    slo = new SwiftBackend(tempauth(server, 'unit', { prefix: 'slo/', maxObjectBytes: MIB, bufferBytes: 256 * 1024 }));
  }, 120_000);

  afterAll(async () => {
    await sut?.close();
    await slo?.close();
  });

  it('stores metadata as ASCII-safe X-Object-Meta headers: U- for the user, S- for the system', async () => {
    await sut.put('meta/raw', bodyOf('payload'), { contentType: 'text/x', userMeta: { note: 'ça va 100%' }, systemMeta: { ts: '42' } });
    const res = await raw(server, 'HEAD', '/unit/node-a/meta/raw');
    expect(res.headers.get('content-type')).toBe('text/x');
    expect(res.headers.get('etag')).toBe(md5Of('payload'));
    expect(res.headers.get('x-object-meta-u-note')).toBe('%C3%A7a%20va%20100%25');
    expect(res.headers.get('x-object-meta-s-ts')).toBe('42');
  });

  it('splits a value longer than Swift\'s 256-byte limit over several headers and joins it back', async () => {
    const long = 'x'.repeat(300) + 'é'.repeat(200);
    await sut.put('meta/long', bodyOf('x'), { userMeta: { long, short: 'y' } });
    expect((await sut.head('meta/long')).userMeta).toEqual({ long, short: 'y' });
    const res = await raw(server, 'HEAD', '/unit/node-a/meta/long');
    expect(res.headers.get('x-object-meta-u-long')).toHaveLength(256);
    expect(res.headers.get('x-object-meta-u1-long')).toHaveLength(256);
  });

  it('refuses metadata that fits the common limit but not Swift\'s constraints once encoded', async () => {
    await expect(sut.put('meta/big', bodyOf('x'), { userMeta: { v: 'é'.repeat(900) } })).rejects.toBeInstanceOf(InvalidMetadataError);
    await expect(sut.put('meta/many', bodyOf('x'), { userMeta: Object.fromEntries(Array.from({ length: 95 }, (_, i) => [`k${i}`, 'v'])) })).rejects.toBeInstanceOf(InvalidMetadataError);
    await expect(sut.head('meta/big')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('keeps dot segments, double slashes and backslashes verbatim (no URL normalisation on the way)', async () => {
    const keys = ['dots/a/../b', 'dots/./c', 'dots/x//y', 'dots/back\\slash', 'dots/..'];
    for (const k of keys) await sut.put(k, bodyOf(k), {});
    for (const k of keys) expect((await readAll((await sut.get(k)).body)).toString()).toBe(k);
    expect(await rawNames(server, 'unit', 'node-a/dots/')).toEqual(keys.map((k) => `node-a/${k}`).sort());
  });

  it('reports objects written by other tools with Swift\'s ETag and no MCOS metadata', async () => {
    const res = await raw(server, 'PUT', '/unit/node-a/foreign', { 'x-object-meta-other': 'x' });
    expect(res.status).toBe(201);
    expect(await sut.head('foreign')).toMatchObject({ size: 0, etag: md5Of(''), userMeta: {}, systemMeta: {} });
  });

  describe('Static Large Objects (maxObjectBytes 1 MiB)', () => {
    const segmentsOf = (setId: string) => rawNames(server, 'unit_segments', `${setId}/`);

    it('stores a larger body as segments + manifest, reads it back as one object with its MD5, ranges across segments', async () => {
      const gen = generatedBody(3 * MIB + 123);
      const info = await slo.put('big/known', gen.body, { userMeta: { a: 'b' } }, { size: 3 * MIB + 123 });
      expect(info.etag).toBe(gen.md5());
      const head = await raw(server, 'HEAD', '/unit/slo/big/known');
      expect(head.headers.get('x-static-large-object')).toBe('True');
      expect(head.headers.get('x-object-meta-mcos-md5')).toBe(gen.md5());
      const setId = head.headers.get('x-object-meta-mcos-segments') as string;
      expect(await segmentsOf(setId)).toEqual([1, 2, 3, 4].map((i) => `${setId}/00000${i}`));

      expect(await slo.head('big/known')).toMatchObject({ size: 3 * MIB + 123, etag: gen.md5(), userMeta: { a: 'b' } });
      expect(await digestStream((await slo.get('big/known')).body)).toEqual({ size: 3 * MIB + 123, md5: gen.md5() });
      const whole = await readAll((await slo.get('big/known')).body);
      const got = await slo.get('big/known', { start: MIB - 10, end: 2 * MIB + 9 });
      expect(got.range).toEqual({ start: MIB - 10, end: 2 * MIB + 9 });
      expect((await readAll(got.body)).equals(whole.subarray(MIB - 10, 2 * MIB + 10))).toBe(true);
    });

    it('a body of unknown length beyond bufferBytes also becomes an SLO; one within it stays a plain object', async () => {
      const big = generatedBody(MIB + 1);
      await slo.put('big/unknown', big.body, {});
      expect((await raw(server, 'HEAD', '/unit/slo/big/unknown')).headers.get('x-static-large-object')).toBe('True');
      expect((await slo.head('big/unknown')).etag).toBe(big.md5());
      const small = generatedBody(200 * 1024);
      await slo.put('big/small', small.body, {});
      const head = await raw(server, 'HEAD', '/unit/slo/big/small');
      expect(head.headers.get('x-static-large-object')).toBeNull();
      expect(head.headers.get('etag')).toBe(small.md5());
    });

    it('an overwrite and a delete remove the old segments', async () => {
      await slo.put('big/ow', generatedBody(2 * MIB + 5).body, {}, { size: 2 * MIB + 5 });
      const first = (await raw(server, 'HEAD', '/unit/slo/big/ow')).headers.get('x-object-meta-mcos-segments') as string;
      await slo.put('big/ow', generatedBody(3 * MIB).body, {}, { size: 3 * MIB });
      const second = (await raw(server, 'HEAD', '/unit/slo/big/ow')).headers.get('x-object-meta-mcos-segments') as string;
      expect(await segmentsOf(first)).toEqual([]);
      expect(await segmentsOf(second)).toHaveLength(3);
      await slo.put('big/ow', bodyOf('now small'), {});
      expect(await segmentsOf(second)).toEqual([]);
      expect((await readAll((await slo.get('big/ow')).body)).toString()).toBe('now small');

      await slo.put('big/del', generatedBody(2 * MIB).body, {}, { size: 2 * MIB });
      const third = (await raw(server, 'HEAD', '/unit/slo/big/del')).headers.get('x-object-meta-mcos-segments') as string;
      expect(await segmentsOf(third)).toHaveLength(2);
      await slo.delete('big/del');
      expect(await segmentsOf(third)).toEqual([]);
      await expect(slo.head('big/del')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('a failing body leaves neither a manifest nor segments; create-only refuses an existing SLO', async () => {
      const before = await rawNames(server, 'unit_segments');
      await expect(slo.put('big/fail', failingBody(3 * MIB + 7), {})).rejects.toMatchObject({ code: 'BODY_STREAM_ERROR' });
      await expect(slo.head('big/fail')).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(await rawNames(server, 'unit_segments')).toEqual(before);

      await slo.put('big/co', generatedBody(MIB + 1).body, {}, { size: MIB + 1 });
      await expect(slo.put('big/co', generatedBody(2 * MIB).body, {}, { ifNoneMatch: true, size: 2 * MIB })).rejects.toBeInstanceOf(PreconditionFailedError);
      expect(await rawNames(server, 'unit_segments')).toHaveLength(before.length + 2);
    });
  });

  it('create-only: a key created by someone else while the segments upload makes the manifest PUT fail, and cleans up', async () => {
    const before = await rawNames(server, 'unit_segments');
    async function* racingBody() {
      yield Buffer.alloc(MIB, 1);
      // Another writer creates the key after the HEAD check, while this body is still flowing.
      expect((await raw(server, 'PUT', '/unit/slo/big/race')).status).toBe(201);
      yield Buffer.alloc(MIB, 2);
    }
    await expect(slo.put('big/race', Readable.from(racingBody()), {}, { ifNoneMatch: true, size: 2 * MIB })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await slo.head('big/race')).size).toBe(0);
    expect(await rawNames(server, 'unit_segments')).toEqual(before);
  });

  it('a missing container is BackendUnavailableError for writes and listings, ObjectNotFoundError for reads', async () => {
    const missing = new SwiftBackend(tempauth(server, 'does-not-exist'));
    await expect(missing.put('k', bodyOf('x'), {})).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(missing.list()).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(missing.head('k')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(missing.capacity()).rejects.toBeInstanceOf(BackendUnavailableError);
    await missing.close();
  });

  it('bad credentials and an unreachable endpoint are BackendUnavailableError', async () => {
    const bad = new SwiftBackend({ ...tempauth(server, 'unit'), auth: { type: 'tempauth', authUrl: server.authUrl, username: server.user, password: 'wrong' } });
    await expect(bad.head('k')).rejects.toBeInstanceOf(BackendUnavailableError);
    await bad.close();
    const down = new SwiftBackend({ ...tempauth(server, 'unit'), auth: { type: 'tempauth', authUrl: 'http://127.0.0.1:1/auth/v1.0', username: 'a:b', password: 'c' } });
    const err = await down.put('k', bodyOf('x'), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).cause).toMatchObject({ message: expect.stringContaining('ECONNREFUSED') });
    await down.close();
  });

  it('capacity reports the bytes used by the container and its segments', async () => {
    const c = await sut.capacity();
    expect(c.usedBytes).toBeGreaterThan(3 * MIB);
    expect(c.totalBytes).toBeUndefined();
    const withQuota = new SwiftBackend(tempauth(server, 'unit', { quotaBytes: 10 ** 12 }));
    expect((await withQuota.capacity()).totalBytes).toBe(10 ** 12);
    expect(withQuota.describe()).toBe(`swift:${server.authUrl}/unit/`);
    expect(withQuota.describe()).not.toContain(server.key);
    await withQuota.close();
  });
});

/**
 * Keystone v3: a small local double of the token endpoint (POST /v3/auth/tokens)
 * that checks the request, hands out tokens it obtained from the real Swift's
 * tempauth and a catalog pointing at that Swift. It can hand out a token
 * Swift rejects, or short-lived ones, to exercise renewal.
 */
describeSwift('SwiftBackend with Keystone v3', () => {
  let server: SwiftHandle;
  let keystone: Server;
  let keystoneUrl: string;
  const requests: { body: unknown; at: number }[] = [];
  let nextTokens: string[] = [];
  let lifetimeMs = 3600_000;

  async function realToken(): Promise<string> {
    const res = await fetch(server.authUrl, { headers: { 'x-auth-user': server.user, 'x-auth-key': server.key } });
    return res.headers.get('x-auth-token') as string;
  }

  beforeAll(async () => {
    server = await acquireSwift();
    keystone = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        void (async () => {
          const body = JSON.parse(text || '{}') as { auth?: { identity?: { password?: { user?: { name?: string; password?: string; domain?: { name?: string } } } } } };
          requests.push({ body, at: Date.now() });
          const user = body.auth?.identity?.password?.user;
          if (req.method !== 'POST' || req.url !== '/v3/auth/tokens' || user?.name !== 'alice' || user.password !== 's3cret') {
            res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":401}}');
            return;
          }
          const token = nextTokens.shift() ?? (await realToken());
          const catalog = [
            { type: 'identity', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: keystoneUrl }] },
            {
              type: 'object-store',
              endpoints: [
                { interface: 'internal', region_id: 'RegionOne', url: 'http://127.0.0.1:1/v1/AUTH_test' },
                { interface: 'public', region_id: 'RegionTwo', url: 'http://127.0.0.1:2/v1/AUTH_test' },
                { interface: 'public', region_id: 'RegionOne', url: server.storageUrl },
              ],
            },
          ];
          const expiresAt = new Date(Date.now() + lifetimeMs).toISOString();
          res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': token }).end(JSON.stringify({ token: { expires_at: expiresAt, catalog } }));
        })();
      });
    });
    await new Promise<void>((resolve) => keystone.listen(0, '127.0.0.1', resolve));
    keystoneUrl = `http://127.0.0.1:${(keystone.address() as AddressInfo).port}/v3`;
  }, 120_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => (keystone ? keystone.close(() => resolve()) : resolve()));
  });

  const auth = (extra: Partial<SwiftKeystoneAuth> = {}): SwiftKeystoneAuth => ({
    type: 'keystone',
    authUrl: keystoneUrl,
    username: 'alice',
    password: 's3cret',
    userDomainName: 'Default',
    projectName: 'demo',
    region: 'RegionOne',
    ...extra,
  });

  it('authenticates with a scoped password request and uses the catalog\'s public object-store endpoint of its region', async () => {
    requests.length = 0;
    const sut = new SwiftBackend({ auth: auth(), container: 'keystone' });
    await sut.put('k', bodyOf('via keystone'), {});
    expect((await readAll((await sut.get('k')).body)).toString()).toBe('via keystone');
    expect(requests).toHaveLength(1);
    expect(requests[0].body).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'alice', domain: { name: 'Default' }, password: 's3cret' } } },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
      },
    });
    await sut.close();
  });

  it('a rejected token is renewed once and the request repeated, also for a streamed PUT', async () => {
    requests.length = 0;
    nextTokens = ['AUTH_tk-not-valid'];
    const sut = new SwiftBackend({ auth: auth(), container: 'keystone' });
    const gen = generatedBody(3 * MIB);
    expect((await sut.put('streamed', gen.body, {}, { size: 3 * MIB })).etag).toBe(gen.md5());
    expect(requests).toHaveLength(2);
    nextTokens = ['AUTH_tk-not-valid-either'];
    await sut.close();
    const again = new SwiftBackend({ auth: auth(), container: 'keystone' });
    expect((await again.head('streamed')).etag).toBe(gen.md5());
    expect(requests).toHaveLength(4);
    await again.close();
  });

  it('renews a token close to its expiry before using it', async () => {
    requests.length = 0;
    lifetimeMs = 6000;
    const sut = new SwiftBackend({ auth: auth(), container: 'keystone', tokenRefreshMarginMs: 3000 });
    await sut.head('k');
    await sut.head('k');
    expect(requests).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 3500));
    await sut.head('k');
    expect(requests).toHaveLength(2);
    lifetimeMs = 3600_000;
    await sut.close();
  });

  it('wrong credentials, or no matching catalog endpoint, are BackendUnavailableError', async () => {
    const wrong = new SwiftBackend({ auth: auth({ password: 'nope' }), container: 'keystone' });
    await expect(wrong.head('k')).rejects.toBeInstanceOf(BackendUnavailableError);
    const noRegion = new SwiftBackend({ auth: auth({ region: 'Mars' }), container: 'keystone' });
    await expect(noRegion.head('k')).rejects.toThrow(/no object-store endpoint/);
    await wrong.close();
    await noRegion.close();
  });
});
