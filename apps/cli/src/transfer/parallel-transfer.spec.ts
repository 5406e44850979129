import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliContext } from '../cli-context';
import { runCli } from '../cli';
import { ConfigStore } from '../config/config.store';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const multipartEtag = (parts: Buffer[]) => `${createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex')}-${parts.length}`;

interface Upload {
  name: string;
  headers: IncomingMessage['headers'];
  parts: Map<number, Buffer>;
  aborted: boolean;
}

/**
 * A fake agent over real HTTP: the user API's upload routes and ranged GETs
 * of stored objects, keeping what it was sent, counting requests in flight,
 * and failing chosen requests once (to see retries).
 */
class FakeAgent {
  uploads = new Map<string, Upload>();
  /** Headers of every create. */
  created: IncomingMessage['headers'][] = [];
  objects = new Map<string, { body: Buffer; etag: string; parts?: Buffer[] }>();
  inFlight = 0;
  mostInFlight = 0;
  failOnce = new Set<string>();
  /** Answers a range with another object's ETag (the object was replaced). */
  replacedDuringGet = false;
  /** Every part PUT answered 400. */
  refuseParts = false;
  requests: string[] = [];
  private server?: Server;
  nextId = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.inFlight++;
      this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // Let other requests arrive before answering, so parallelism shows.
        setTimeout(() => {
          this.inFlight--;
          this.handle(req, Buffer.concat(chunks), res);
        }, 5);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = `${req.method} ${url.pathname}${url.search}${req.headers.range ? ` ${req.headers.range}` : ''}`;
    this.requests.push(key);
    if (req.headers.authorization !== 'Bearer tok') return json(res, 401, { message: 'no token' });
    if (this.failOnce.delete(key)) return json(res, 503, { message: 'try again' });
    const upload = /^\/v1\/containers\/c\/uploads\/(.+)$/.exec(url.pathname);
    const id = url.searchParams.get('uploadId');
    if (upload && req.method === 'POST' && !id) {
      const uploadId = `upload${this.nextId++}`.padEnd(16, '0');
      this.created.push(req.headers);
      this.uploads.set(uploadId, { name: decodeURIComponent(upload[1]), headers: req.headers, parts: new Map(), aborted: false });
      return json(res, 201, { uploadId });
    }
    const u = id ? this.uploads.get(id) : undefined;
    if (upload && !u) return json(res, 404, { message: `upload ${id} does not exist` });
    if (upload && u && req.method === 'PUT') {
      if (this.refuseParts) return json(res, 400, { message: 'part too small for this fake' });
      const n = Number(url.searchParams.get('partNumber'));
      expect(req.headers['content-length']).toBe(String(body.length));
      u.parts.set(n, body);
      return json(res, 200, { partNumber: n, etag: md5(body), size: body.length });
    }
    if (upload && u && req.method === 'POST') {
      if (req.headers['if-none-match'] === '*' && this.objects.has(u.name)) return json(res, 412, { message: 'exists' });
      const listed = (JSON.parse(body.toString()) as { parts: { partNumber: number; etag: string }[] }).parts;
      const parts = listed.map((p) => {
        const got = u.parts.get(p.partNumber)!;
        expect(md5(got)).toBe(p.etag);
        return got;
      });
      const whole = Buffer.concat(parts);
      this.objects.set(u.name, { body: whole, etag: multipartEtag(parts), parts });
      this.uploads.delete(id!);
      return json(res, 201, { etag: multipartEtag(parts), size: whole.length, parts: parts.length });
    }
    if (upload && u && req.method === 'DELETE') {
      u.aborted = true;
      res.writeHead(204).end();
      return;
    }
    const object = /^\/v1\/containers\/c\/objects\/(.+)$/.exec(url.pathname);
    const o = object ? this.objects.get(decodeURIComponent(object[1])) : undefined;
    if (!o) return json(res, 404, { message: 'not found' });
    if (url.search === '?stat') {
      let offset = 0;
      return json(res, 200, {
        size: o.body.length,
        etag: o.etag,
        parts: o.parts?.map((p, i) => ({ partNumber: i + 1, size: p.length, etag: md5(p), offset: (offset += p.length) - p.length })),
        replicas: [],
      });
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
    const etag = this.replacedDuringGet && range && range[1] !== '0' ? md5(Buffer.from('another')) : o.etag;
    if (!range) {
      res.writeHead(200, { etag: `"${etag}"`, 'content-length': String(o.body.length) });
      return void res.end(o.body);
    }
    const [start, end] = [Number(range[1]), Number(range[2])];
    res.writeHead(206, { etag: `"${etag}"`, 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${o.body.length}` });
    res.end(o.body.subarray(start, end + 1));
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

describe('mcos put / get of big files: parallel parts and ranges', () => {
  const agent = new FakeAgent();
  let dir: string;
  let store: ConfigStore;

  async function mcos(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const stdin = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    stdin.end();
    const context: CliContext = { env: {}, stdin, stdout, stderr, cwd: dir, store };
    return { code: await runCli(args, context, '1.2.3'), stdout: out, stderr: err };
  }

  beforeAll(() => agent.start());
  afterAll(() => agent.stop());

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-parallel-spec-'));
    store = new ConfigStore(join(dir, 'config'));
    store.save({ agentUrl: agent.url, username: 'alice', role: 'user', token: 'tok', expiresAt: '2099-01-01T00:00:00.000Z' });
    agent.uploads.clear();
    agent.objects.clear();
    agent.failOnce.clear();
    agent.requests = [];
    agent.mostInFlight = 0;
    agent.replacedDuringGet = false;
    agent.refuseParts = false;
    agent.nextId = 0;
    agent.created = [];
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a file over the threshold goes up in parts, N at once, with its metadata at create; a failed part is retried', async () => {
    const data = randomBytes(23 * MiB + 5);
    writeFileSync(join(dir, 'big.bin'), data);
    agent.failOnce.add('PUT /v1/containers/c/uploads/dir/big%20file.bin?uploadId=upload0000000000&partNumber=2');
    const sut = await mcos(['--json', 'put', '--multipart-threshold', '10MiB', '--part-size', '5MiB', '--parallel', '3', '--meta', 'owner=alice', 'big.bin', 'c/dir/big file.bin']);
    expect(sut).toMatchObject({ code: 0, stderr: '' });
    const parts = [0, 1, 2, 3, 4].map((i) => data.subarray(i * 5 * MiB, (i + 1) * 5 * MiB));
    expect(JSON.parse(sut.stdout)).toMatchObject({ container: 'c', name: 'dir/big file.bin', size: data.length, parts: 5, partSize: 5 * MiB, etag: multipartEtag(parts) });
    expect(agent.objects.get('dir/big file.bin')!.body.equals(data)).toBe(true);
    expect(agent.mostInFlight).toBe(3);
    expect(agent.created[agent.created.length - 1]).toMatchObject({ 'x-object-meta-owner': 'alice', 'content-type': 'application/octet-stream' });
    expect(agent.requests.filter((r) => r.includes('partNumber=2'))).toHaveLength(2);
    expect([...agent.uploads.values()]).toEqual([]);
    expect(agent.requests[0]).toBe('POST /v1/containers/c/uploads/dir/big%20file.bin');
  });

  it('a file under the threshold is one PUT', async () => {
    writeFileSync(join(dir, 'small.bin'), 'x');
    await mcos(['put', 'small.bin', 'c/small.bin']);
    expect(agent.requests).toEqual(['PUT /v1/containers/c/objects/small.bin']);
  });

  it('a part the agent refuses (4xx) is not retried; the upload is aborted and the command fails', async () => {
    writeFileSync(join(dir, 'big.bin'), randomBytes(11 * MiB));
    agent.refuseParts = true;
    const sut = await mcos(['put', '--multipart-threshold', '5MiB', '--part-size', '5MiB', '--parallel', '1', 'big.bin', 'c/gone.bin']);
    expect(sut.code).toBe(2);
    expect(sut.stderr).toContain('part too small for this fake');
    expect(agent.requests.filter((r) => r.startsWith('PUT '))).toHaveLength(1);
    expect(agent.requests[agent.requests.length - 1]).toMatch(/^DELETE \/v1\/containers\/c\/uploads\/gone\.bin\?uploadId=upload\d+$/);
    expect([...agent.uploads.values()].every((u) => u.aborted)).toBe(true);
    expect(agent.objects.size).toBe(0);
  });

  it('--no-overwrite sends if-none-match: * with complete; 412 there says it exists (exit 2)', async () => {
    writeFileSync(join(dir, 'big.bin'), randomBytes(6 * MiB));
    agent.objects.set('there.bin', { body: Buffer.from('x'), etag: md5(Buffer.from('x')) });
    const sut = await mcos(['put', '--multipart-threshold', '5MiB', '--part-size', '5MiB', '--no-overwrite', 'big.bin', 'c/there.bin']);
    expect(sut.code).toBe(2);
    expect(sut.stderr).toContain('c/there.bin already exists');
    expect(agent.requests[agent.requests.length - 1]).toMatch(/^DELETE /);
  });

  it('refuses a part size under 5 MiB before any request', async () => {
    writeFileSync(join(dir, 'big.bin'), randomBytes(MiB));
    const sut = await mcos(['put', '--multipart-threshold', '1MiB', '--part-size', '1MiB', 'big.bin', 'c/x.bin']);
    expect(sut.code).toBe(2);
    expect(sut.stderr).toContain('--part-size must be from 5 MiB to 5 GiB');
    expect(agent.requests).toEqual([]);
  });

  it('a big multipart object comes down part by part, each checked, written at its offset', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(MiB + 1)];
    const body = Buffer.concat(parts);
    agent.objects.set('big.bin', { body, etag: multipartEtag(parts), parts });
    const sut = await mcos(['--json', 'get', '--parallel', '3', 'c/big.bin']);
    expect(sut).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(sut.stdout)).toMatchObject({ size: body.length, etag: multipartEtag(parts), checked: 'each of 3 parts against its MD5', parallel: 3 });
    expect(md5(readFileSync(join(dir, 'big.bin')))).toBe(md5(body));
    expect(agent.requests.filter((r) => r.startsWith('GET /v1/containers/c/objects/big.bin')).length).toBe(1 + 1 + 3); // the first GET (dropped), ?stat, 3 parts
  });

  it('a big single-part object comes down in --part-size ranges and is checked by its MD5; a failed range is retried', async () => {
    const body = randomBytes(3 * MiB + 7);
    agent.objects.set('plain.bin', { body, etag: md5(body) });
    agent.failOnce.add(`GET /v1/containers/c/objects/plain.bin bytes=${MiB}-${2 * MiB - 1}`);
    const sut = await mcos(['--json', 'get', '--parallel', '4', '--part-size', '1MiB', 'c/plain.bin', 'copy.bin']);
    expect(sut).toMatchObject({ code: 0 });
    expect(JSON.parse(sut.stdout)).toMatchObject({ checked: 'MD5' });
    expect(agent.requests.filter((r) => r.endsWith(`bytes=${MiB}-${2 * MiB - 1}`))).toHaveLength(2);
    expect(readFileSync(join(dir, 'copy.bin')).equals(body)).toBe(true);
  });

  it('an object replaced during the download fails it (exit 2) and leaves no file', async () => {
    const body = randomBytes(3 * MiB);
    agent.objects.set('moving.bin', { body, etag: md5(body) });
    agent.replacedDuringGet = true;
    const sut = await mcos(['get', '--parallel', '2', '--part-size', '1MiB', 'c/moving.bin']);
    expect(sut.code).toBe(2);
    expect(sut.stderr).toContain('changed while it was downloading');
    expect(existsSync(join(dir, 'moving.bin'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('mcos-'))).toEqual([]);
  });

  it('bytes that do not match a part MD5 fail the download (exit 4)', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(MiB)];
    const body = Buffer.concat(parts);
    body[7] ^= 1; // the stored bytes no longer match part 1's MD5
    agent.objects.set('rot.bin', { body, etag: multipartEtag(parts), parts });
    const sut = await mcos(['get', '--parallel', '2', 'c/rot.bin']);
    expect(sut.code).toBe(4);
    expect(sut.stderr).toContain('part 1 of c/rot.bin does not match its MD5');
    expect(existsSync(join(dir, 'rot.bin'))).toBe(false);
  });

  it('under the threshold and without --parallel, get is one stream', async () => {
    const body = randomBytes(1000);
    agent.objects.set('tiny.bin', { body, etag: md5(body) });
    expect((await mcos(['get', 'c/tiny.bin'])).code).toBe(0);
    expect(agent.requests).toEqual(['GET /v1/containers/c/objects/tiny.bin']);
  });
});
