/**
 * Issue 13's fuzz run: generated requests (fast-check) over the user API and
 * its request parsers — object and container names, metadata and other
 * headers, ranges, listing parameters, JSON bodies, tokens, raw paths —
 * against a real controller and three fs agents on loopback. None may be
 * answered 5xx, every process must be alive with bounded memory afterwards,
 * and nothing may be half-visible (an object is listed iff GET returns it).
 *
 * Seedable and bounded: FUZZ_SEED (printed on every run), FUZZ_RUNS
 * (default 10,000 requests), FUZZ_MAX_MS (default 240 s for the requests).
 */
import fc from 'fast-check';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AgentProcess, ControllerProcess, http, makeTempDir, removeTempDir, UserClient, waitFor } from './support';

jest.setTimeout(600_000);

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const MAX_MS = Number(process.env.FUZZ_MAX_MS ?? 240_000);
const CONCURRENCY = 8;
const MAX_OBJECT_BYTES = 64 * 1024;
const CONTAINERS = ['c1', 'c2', 'objects'];

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body without Content-Length (chunked). */
  chunked?: boolean;
  /** Which token: the user's, none, or a damaged one. */
  auth: 'user' | 'none' | 'bad';
  /** The object this request names, when it names one (for the visibility check). */
  object?: { container: string; name: string };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

// ---- generators -----------------------------------------------------------

const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 });
const anyText = fc.string({ unit: 'binary', maxLength: 30 });
const nameSegment = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z0-9._-]{1,12}$/), weight: 6 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), weight: 2 },
  { arbitrary: fc.constantFrom('.', '..', '', 'objects', '%', '%2F', 'a b', '\u0000', '\r\n', '\ud800', '\u{10FFFF}', '\u202e'), weight: 2 },
  { arbitrary: anyText, weight: 1 },
);
const objectName = fc.oneof(
  { arbitrary: fc.array(nameSegment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/')), weight: 10 },
  { arbitrary: fc.constantFrom('a'.repeat(1024), 'é'.repeat(513), 'x/'.repeat(600), '/lead', 'trail/'), weight: 1 },
);
const containerName = fc.oneof(
  { arbitrary: fc.constantFrom(...CONTAINERS), weight: 8 },
  { arbitrary: fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,10}$/), anyText, fc.constantFrom('.', '..', 'a/b', 'x'.repeat(300))), weight: 2 },
);

/** encodeURIComponent, or for text it refuses (lone surrogates) the bytes Node would send for it. */
function enc(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

function wellFormed(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** Percent-encodes per segment, and sometimes breaks the encoding on purpose. */
const encodedPath = (name: string) =>
  fc.oneof(
    { arbitrary: fc.constant(name.split('/').map(enc).join('/')), weight: 8 },
    { arbitrary: fc.constant(enc(name)), weight: 1 },
    { arbitrary: fc.constantFrom('%zz', '%C3', '%E0%A4%A', '%00', '%ff%fe').map((bad) => enc(name) + bad), weight: 1 },
  );

const metaHeaders = fc.dictionary(
  fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,10}$/), fc.stringMatching(/^[A-Za-z0-9_.]{1,10}$/), fc.constant('x'.repeat(140))).map((k) => `x-object-meta-${k}`),
  fc.oneof(latin1, fc.constant('v'.repeat(3000)), fc.constant('')),
  { maxKeys: 3 },
);
const rangeHeader = fc.oneof(
  fc.tuple(fc.nat(200), fc.nat(200)).map(([a, b]) => `bytes=${a}-${b}`),
  fc.nat(200).map((a) => `bytes=${a}-`),
  fc.nat(200).map((a) => `bytes=-${a}`),
  fc.constantFrom('bytes=-', 'bytes=0-0,5-9', 'items=0-1', 'bytes=99999999999999999999-', 'bytes=-99999999999999999999', 'nonsense'),
  latin1,
);
const contentType = fc.oneof(fc.constantFrom('text/plain', 'application/json', 'image/png; q=1'), latin1, fc.constant('t/' + 'x'.repeat(300)));
const body = fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a));

const putObject = fc
  .record({
    container: containerName,
    name: objectName,
    meta: metaHeaders,
    type: fc.option(contentType, { nil: undefined }),
    ifNoneMatch: fc.boolean(),
    body: fc.oneof({ arbitrary: body, weight: 9 }, { arbitrary: fc.constant(Buffer.alloc(MAX_OBJECT_BYTES + 1, 1)), weight: 1 }),
    chunked: fc.boolean(),
  })
  .chain((r) =>
    encodedPath(r.name).map((encoded): FuzzRequest => {
      const headers: Record<string, string> = { ...r.meta };
      if (r.type !== undefined) headers['content-type'] = r.type;
      if (r.ifNoneMatch) headers['if-none-match'] = '*';
      return {
        method: 'PUT',
        path: `/v1/containers/${enc(r.container)}/objects/${encoded}`,
        headers,
        body: r.body,
        chunked: r.chunked,
        auth: 'user',
        object: { container: r.container, name: r.name },
      };
    }),
  );

const readObject = fc
  .record({ container: containerName, name: objectName, method: fc.constantFrom('GET', 'GET', 'HEAD', 'DELETE'), range: fc.option(rangeHeader, { nil: undefined }), stat: fc.boolean() })
  .chain((r) =>
    encodedPath(r.name).map(
      (encoded): FuzzRequest => ({
        method: r.method,
        path: `/v1/containers/${enc(r.container)}/objects/${encoded}${r.stat && r.method === 'GET' ? '?stat' : ''}`,
        headers: r.range ? { range: r.range } : {},
        auth: 'user',
        object: { container: r.container, name: r.name },
      }),
    ),
  );

const queryValue = fc.oneof(fc.stringMatching(/^[a-z0-9/]{0,6}$/), anyText, fc.constantFrom('/', '', '%', '\u{10FFFF}'));
const listObjects = fc
  .record({
    container: containerName,
    params: fc.array(fc.tuple(fc.constantFrom('prefix', 'delimiter', 'marker', 'limit', 'stat', 'bogus'), fc.oneof(queryValue, fc.integer({ min: -5, max: 20_000 }).map(String))), {
      maxLength: 5,
    }),
  })
  .map(
    (r): FuzzRequest => ({
      method: 'GET',
      path: `/v1/containers/${enc(r.container)}/objects?${new URLSearchParams(r.params).toString()}`,
      headers: {},
      auth: 'user',
    }),
  );

const jsonBody = fc.oneof(
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
  fc.constantFrom('{', '{"option":', 'null', '[]', '"x"', '{"option":"standard","extra":1}', '{"option":{"a":1}}').map((s) => Buffer.from(s)),
  fc.record({ option: fc.oneof(fc.constantFrom('standard', 'single', 'nope'), anyText) }).map((o) => Buffer.from(JSON.stringify(o))),
);
const containerOps = fc
  .record({ name: containerName, method: fc.constantFrom('PUT', 'PUT', 'GET', 'DELETE'), body: fc.option(jsonBody, { nil: undefined }), type: fc.constantFrom('application/json', 'text/plain') })
  .map(
    (r): FuzzRequest => ({
      method: r.method,
      path: `/v1/containers/${enc(r.name)}`,
      headers: r.body ? { 'content-type': r.type } : {},
      body: r.method === 'PUT' ? r.body : undefined,
      auth: 'user',
    }),
  );

const login = fc
  .oneof(
    jsonBody,
    fc.record({ username: fc.oneof(fc.stringMatching(/^[a-z]{1,8}$/), anyText), password: anyText }).map((o) => Buffer.from(JSON.stringify(o))),
    fc.constant(Buffer.from(JSON.stringify({ username: 'x'.repeat(8000), password: 'y' }))),
  )
  .chain((b) =>
    fc.constantFrom<Record<string, string>>({ 'content-type': 'application/json' }, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, {}).map(
      (headers): FuzzRequest => ({ method: 'POST', path: '/v1/auth/login', headers, body: headers['content-encoding'] ? gzipSync(b) : b, auth: 'none' }),
    ),
  );

const rawPath = fc
  .record({
    method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'),
    path: fc.oneof(
      fc.array(fc.oneof(fc.stringMatching(/^[a-z0-9]{0,8}$/), fc.constantFrom('v1', 'containers', 'objects', 'peer', 'agent', 'replica', '..', '%2e%2e', '%00')), { maxLength: 6 }).map((s) => `/${s.join('/')}`),
      fc.constantFrom('/v1/peer/replica?key=o/alice/c1/x', '/v1/agent/cluster-map', '/v1/peer/index/objects?account=alice&container=c1', '/docs', '//', '/v1//containers'),
    ),
    auth: fc.constantFrom<FuzzRequest['auth']>('user', 'none', 'bad'),
    body: fc.option(body, { nil: undefined }),
  })
  .map((r): FuzzRequest => ({ method: r.method, path: r.path, headers: {}, body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body, auth: r.auth }));

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { arbitrary: putObject, weight: 30 },
  { arbitrary: readObject, weight: 30 },
  { arbitrary: listObjects, weight: 12 },
  { arbitrary: containerOps, weight: 10 },
  { arbitrary: login, weight: 6 },
  { arbitrary: rawPath, weight: 8 },
  {
    arbitrary: fc.tuple(readObject, fc.constantFrom<FuzzRequest['auth']>('none', 'bad')).map(([r, auth]) => ({ ...r, auth, object: undefined })),
    weight: 4,
  },
);

// ---- the run --------------------------------------------------------------

describe(`fuzz run over the user API (seed ${SEED}, ${RUNS} requests)`, () => {
  let dir: string;
  let controller: ControllerProcess;
  const agents: AgentProcess[] = [];
  let token: string;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  beforeAll(async () => {
    process.stdout.write(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} to repeat), ${RUNS} requests\n`);
    dir = makeTempDir('mcos-fuzz-');
    controller = await ControllerProcess.start({ dir, settings: { expectedServices: 3, logLevel: 'warn' } });
    for (let i = 1; i <= 3; i++) {
      agents.push(
        await AgentProcess.start({
          name: `fs-${i}`,
          region: `region-${i}`,
          controllerUrl: controller.url,
          dir: join(dir, `fs-${i}`),
          settings: { maxObjectBytes: MAX_OBJECT_BYTES, logLevel: 'warn' },
        }),
      );
    }
    await Promise.all(agents.map((a) => a.waitUntilServing()));
    const admin = await controller.login();
    expect((await http('POST', `${controller.url}/v1/users`, { token: admin, body: { username: 'alice', password: 'alice-password' } })).status).toBe(201);
    const alice = await waitFor(async () => {
      const c = await UserClient.login(agents[0].url, 'alice', 'alice-password');
      return (await c.request('GET', '/v1/containers')).status === 200 ? c : undefined;
    }, { timeoutMs: 20_000, description: 'alice served' });
    token = alice.token;
    for (const c of CONTAINERS) expect((await alice.createContainer(c)).status).toBe(201);
  });

  afterAll(async () => {
    keepAlive.destroy();
    for (const a of agents) await a.stop();
    await controller?.stop();
    if (dir) removeTempDir(dir);
  });

  function send(agentUrl: string, r: FuzzRequest): Promise<number> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...r.headers };
      if (r.auth === 'user') headers.authorization = `Bearer ${token}`;
      if (r.auth === 'bad') headers.authorization = `Bearer ${token.slice(0, -4)}AAAA`;
      if (r.body && !r.chunked) headers['content-length'] = String(r.body.length);
      let req;
      try {
        // host/port/path, not a URL string: a URL would remove "." and ".." segments before sending.
        const { hostname, port } = new URL(agentUrl);
        req = request({ host: hostname, port, path: r.path, method: r.method, headers, agent: keepAlive });
      } catch (err) {
        // The client itself refuses it (e.g. a header value Node will not send): not a request the agent saw.
        return resolve(-1);
      }
      req.setTimeout(30_000, () => req.destroy(new Error('no answer in 30 s')));
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // An answer sent before the whole body (413, 400) may close the connection under a write.
        if (err.code === 'EPIPE' || err.code === 'ECONNRESET') resolve(-2);
        else reject(err);
      });
      if (r.body) req.end(r.body);
      else req.end();
    });
  }

  it('answers no 5xx, keeps every process alive and small, and shows nothing half-visible', async () => {
    const requests = fc.sample(fuzzRequest, { seed: SEED, numRuns: RUNS });
    const statuses = new Map<number, number>();
    const touched = new Map<string, { container: string; name: string }>();
    const failures: string[] = [];
    const started = Date.now();
    let next = 0;
    let done = 0;
    const worker = async (w: number) => {
      for (;;) {
        const i = next++;
        if (i >= requests.length || Date.now() - started > MAX_MS) return;
        const r = requests[i];
        const agent = agents[(i + w) % agents.length];
        let status: number;
        try {
          status = await send(agent.url, r);
        } catch (err) {
          failures.push(`#${i} ${r.method} ${r.path}: transport error ${(err as Error).message}`);
          continue;
        }
        done++;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) failures.push(`#${i} ${r.method} ${r.path} ${JSON.stringify(r.headers)} -> ${status} at ${agent.name}`);
        if (r.object && r.method === 'PUT' && status === 201) {
          // As the agent decoded it: a lone surrogate travels as U+FFFD.
          const object = { container: wellFormed(r.object.container), name: wellFormed(r.object.name) };
          touched.set(`${object.container}\u0000${object.name}`, object);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`fuzz: seed ${SEED}: ${done} requests in ${seconds.toFixed(0)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);

    expect(failures.slice(0, 20)).toEqual([]);
    expect(done).toBeGreaterThanOrEqual(Math.min(RUNS, 10_000));
    for (const a of agents) {
      expect(a.running).toBe(true);
      expect(rssMb(a.pid!)).toBeLessThan(400);
    }
    expect(controller.pid && readFileSync(`/proc/${controller.pid}/status`, 'utf8').length).toBeTruthy();

    // Nothing half-visible: in every container, an object is listed iff GET returns it.
    const user = new UserClient(agents[0].url, token);
    const containers = (await user.request('GET', '/v1/containers?limit=10000')).json<{ containers: { name: string }[] }>().containers.map((c) => c.name);
    for (const container of containers) {
      const listed = new Set<string>();
      let marker: string | undefined;
      for (;;) {
        const page = await user.request('GET', `/v1/containers/${enc(container)}/objects?limit=1000${marker ? `&marker=${enc(marker)}` : ''}`);
        expect(page.status).toBe(200);
        const p = page.json<{ objects: { name: string }[]; truncated: boolean; nextMarker?: string; complete: boolean }>();
        expect(p.complete).toBe(true);
        p.objects.forEach((o) => listed.add(o.name));
        if (!p.truncated) break;
        marker = p.nextMarker;
      }
      const names = new Set([...listed, ...[...touched.values()].filter((t) => t.container === container).map((t) => t.name)]);
      for (const name of names) {
        const got = { status: await send(agents[0].url, { method: 'GET', path: `/v1/containers/${enc(container)}/objects/${name.split('/').map(enc).join('/')}`, headers: {}, auth: 'user' }) };
        expect({ container, name, listed: listed.has(name), status: got.status }).toEqual({ container, name, listed: got.status === 200, status: got.status });
      }
    }
  });
});
