import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliContext } from './cli-context';
import { runCli } from './cli';
import { ConfigStore, Session } from './config/config.store';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

/** A real HTTP server standing in for an agent and a controller; each test sets its routes. */
class FakeServer {
  routes = new Map<string, Handler>();
  seen: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];
  private server?: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const handler = this.routes.get(`${req.method} ${(req.url ?? '').split('?')[0]}`);
        if (handler) handler(req, body, res);
        else json(res, 404, { statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${req.url}` });
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
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('mcos (runCli)', () => {
  const server = new FakeServer();
  let dir: string;
  let store: ConfigStore;

  function session(extra: Partial<Session> = {}): Session {
    return { agentUrl: server.url, controllerUrl: server.url, username: 'alice', role: 'admin', token: 'tok', expiresAt: '2099-01-01T00:00:00.000Z', ...extra };
  }

  async function mcos(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const stdin = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    stdin.end(options.stdin ?? '');
    const context: CliContext = { env: options.env ?? {}, stdin, stdout, stderr, cwd: dir, store };
    const code = await runCli(args, context, '1.2.3');
    return { code, stdout: out, stderr: err };
  }

  beforeAll(async () => {
    await server.start();
  });

  afterAll(async () => {
    await server.stop();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-cli-spec-'));
    store = new ConfigStore(join(dir, 'config'));
    server.routes.clear();
    server.seen = [];
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('arguments', () => {
    it('shows help with exit 0, and the exit codes in it', async () => {
      const sut = await mcos(['--help']);
      expect(sut.code).toBe(0);
      expect(sut.stdout).toContain('Exit codes: 0 ok, 1 not found, 2 usage');
    });

    it('prints its version', async () => {
      expect(await mcos(['--version'])).toMatchObject({ code: 0, stdout: '1.2.3\n' });
    });

    it.each([[[]], [['frobnicate']], [['put']], [['put', 'file-only']], [['ls', '--limit', 'zero']], [['admin']], [['admin', 'users', 'add']]])('treats %j as a usage error (exit 2)', async (args) => {
      const sut = await mcos(args);
      expect(sut.code).toBe(2);
    });

    it('suggests the closest command', async () => {
      expect((await mcos(['lss'])).stderr).toContain('Did you mean ls?');
    });

    it('says to log in first (exit 3)', async () => {
      const sut = await mcos(['ls']);
      expect(sut.code).toBe(3);
      expect(sut.stderr).toContain('not logged in');
      expect(sut.stderr).toContain('mcos login <agent-url>');
    });

    it('refuses an expired session before any request', async () => {
      store.save(session({ expiresAt: '2000-01-01T00:00:00.000Z' }));
      const sut = await mcos(['ls']);
      expect(sut.code).toBe(3);
      expect(sut.stderr).toContain('expired');
      expect(server.seen).toHaveLength(0);
    });

    it('needs a password when stdin is not a terminal', async () => {
      const sut = await mcos(['login', server.url, '--username', 'alice']);
      expect(sut.code).toBe(2);
      expect(sut.stderr).toContain('--password');
    });
  });

  describe('login', () => {
    it('stores the token, the agent and the controller; MCOS_PASSWORD works', async () => {
      server.routes.set('POST /v1/auth/login', (_req, body, res) => {
        expect(JSON.parse(body.toString())).toEqual({ username: 'alice', password: 'pw-from-env' });
        json(res, 200, { token: 'tok-1', expiresAt: '2099-01-01T00:00:00.000Z', role: 'user' });
      });
      server.routes.set('GET /health', (_req, _body, res) => json(res, 200, { status: 'ok' }));
      const sut = await mcos(['login', server.url, '-u', 'alice', '--controller', server.url], { env: { MCOS_PASSWORD: 'pw-from-env' } });
      expect(sut.code).toBe(0);
      expect(sut.stdout).toContain(`Logged in to ${server.url} as alice (role user)`);
      expect(sut.stdout).toContain(`Admin commands go to the controller at ${server.url}.`);
      expect(store.load()).toEqual({ agentUrl: server.url, controllerUrl: server.url, username: 'alice', role: 'user', token: 'tok-1', expiresAt: '2099-01-01T00:00:00.000Z' });
    });

    it('reads the password from stdin with --password-stdin', async () => {
      server.routes.set('POST /v1/auth/login', (_req, body, res) => {
        expect(JSON.parse(body.toString()).password).toBe('from stdin');
        json(res, 200, { token: 't', expiresAt: '2099-01-01T00:00:00.000Z', role: 'user' });
      });
      const sut = await mcos(['login', server.url, '-u', 'alice', '--password-stdin'], { stdin: 'from stdin\nignored\n' });
      expect(sut.code).toBe(0);
      // A user's login names no controller, and the admin commands are not theirs: nothing said about them.
      expect(sut.stdout).not.toMatch(/controller/i);
    });

    it('says wrong username or password (exit 3) and keeps the previous login', async () => {
      store.save(session());
      server.routes.set('POST /v1/auth/login', (_req, _body, res) => json(res, 401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid username or password' }));
      const sut = await mcos(['login', server.url, '-u', 'alice', '-p', 'nope']);
      expect(sut.code).toBe(3);
      expect(sut.stderr).toContain('wrong username or password');
      expect(store.load()?.token).toBe('tok');
    });

    it("keeps the controllers an admin's login answer names, only the http(s) ones", async () => {
      server.routes.set('POST /v1/auth/login', (_req, _body, res) =>
        json(res, 200, { token: 'tok-2', expiresAt: '2099-01-01T00:00:00.000Z', role: 'admin', controllers: [server.url, 'ftp://evil.example', 42, `${server.url}/`, 'http://' + 'a'.repeat(3000)] }),
      );
      server.routes.set('GET /health', (_req, _body, res) => json(res, 200, { status: 'ok' }));
      const sut = await mcos(['login', server.url, '-u', 'root', '-p', 'root-password']);
      expect(sut.code).toBe(0);
      expect(sut.stdout).toContain(`Admin commands go to the controller at ${server.url}.`);
      expect(sut.stderr).toBe('');
      expect(store.load()).toEqual({ agentUrl: server.url, controllers: [server.url], username: 'root', role: 'admin', token: 'tok-2', expiresAt: '2099-01-01T00:00:00.000Z' });
      expect((await mcos(['whoami'])).stdout).toContain(`controller: ${server.url} (named by the agent`);
    });

    it('says when no controller is known (an agent that names none) and when the named one does not answer', async () => {
      server.routes.set('POST /v1/auth/login', (_req, _body, res) => json(res, 200, { token: 't', expiresAt: '2099-01-01T00:00:00.000Z', role: 'admin' }));
      const without = await mcos(['login', server.url, '-u', 'root', '-p', 'root-password']);
      expect(without.stdout).toContain('No controller known (the agent named none): pass --controller URL');
      expect(store.load()?.controllers).toBeUndefined();
      server.routes.set('POST /v1/auth/login', (_req, _body, res) => json(res, 200, { token: 't', expiresAt: '2099-01-01T00:00:00.000Z', role: 'admin', controllers: ['http://127.0.0.1:1'] }));
      const down = await mcos(['login', server.url, '-u', 'root', '-p', 'root-password']);
      expect(down.code).toBe(0);
      expect(down.stderr).toContain('the controller at http://127.0.0.1:1 does not answer');
    });

    it('refuses a URL that is not http(s) (exit 2)', async () => {
      expect((await mcos(['login', 'ftp://x', '-u', 'a', '-p', 'b'])).code).toBe(2);
    });

    it('reports an agent that cannot be reached (exit 4)', async () => {
      const sut = await mcos(['login', 'http://127.0.0.1:1', '-u', 'a', '-p', 'b']);
      expect(sut.code).toBe(4);
      expect(sut.stderr).toContain('cannot reach the agent');
      expect(sut.stderr).toContain('npm start');
    });
  });

  describe('data commands', () => {
    beforeEach(() => store.save(session()));

    it('sends the token and lists objects with folders, following pages', async () => {
      server.routes.set('GET /v1/containers/photos/objects', (req, _body, res) => {
        expect(req.headers.authorization).toBe('Bearer tok');
        const marker = new URL(req.url ?? '', server.url).searchParams.get('marker');
        if (!marker) json(res, 200, { objects: [{ name: 'a.txt', size: 2048, etag: 'x', lastModified: '2026-01-02T03:04:05.000Z' }], subdirs: ['2024/'], truncated: true, nextMarker: 'a.txt', complete: true });
        else json(res, 200, { objects: [{ name: 'b.txt', size: 5, etag: 'y', lastModified: '2026-01-02T03:04:05.000Z' }], subdirs: [], truncated: false, complete: false });
      });
      const sut = await mcos(['ls', 'photos']);
      expect(sut.code).toBe(0);
      const lines = sut.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^\s+DIR {2}2024\/$/);
      expect(lines[1]).toMatch(/ 2\.0 KiB {2}a\.txt$/);
      expect(lines[2]).toMatch(/ 5 B {2}b\.txt$/);
      expect(sut.stderr).toContain('may be incomplete');
      expect(server.seen[0].url).toContain('delimiter=%2F');
    });

    it('maps 404 to exit 1, 409 to 2, 503 to 4, each with the server message', async () => {
      server.routes.set('GET /v1/containers/photos/objects/x', (_req, _body, res) => json(res, 404, { statusCode: 404, error: 'Not Found', message: 'object x not found' }));
      server.routes.set('DELETE /v1/containers/photos', (_req, _body, res) => json(res, 409, { statusCode: 409, error: 'Conflict', message: 'container photos is not empty' }));
      server.routes.set('GET /v1/containers', (_req, _body, res) => json(res, 503, { statusCode: 503, error: 'Service Unavailable', message: 'cluster not ready' }));
      const notFound = await mcos(['stat', 'photos/x']);
      expect(notFound).toMatchObject({ code: 1, stdout: '' });
      expect(notFound.stderr).toContain('object x not found');
      const conflict = await mcos(['rb', 'photos']);
      expect(conflict.code).toBe(2);
      expect(conflict.stderr).toContain('mcos rm photos/<name>');
      const unavailable = await mcos(['ls']);
      expect(unavailable.code).toBe(4);
      expect(unavailable.stderr).toContain('cluster not ready');
      expect(unavailable.stderr).toContain('wait a moment');
    });

    it('uploads a file with its length, encoded name and metadata; --json prints the answer', async () => {
      const data = Buffer.alloc(3 * 1024 * 1024, 7);
      writeFileSync(join(dir, 'cat.jpg'), data);
      server.routes.set('PUT /v1/containers/photos/objects/2024/a%20cat.jpg', (req, body, res) => {
        expect(req.headers['content-length']).toBe(String(data.length));
        expect(req.headers['content-type']).toBe('image/jpeg');
        expect(req.headers['x-object-meta-owner']).toBe('alice');
        expect(req.headers['if-none-match']).toBe('*');
        const etag = createHash('md5').update(body).digest('hex');
        json(res, 201, { etag, size: body.length, timestamp: 't', state: 'CREATED', replicas: [{ service: 'a', durable: true }] });
      });
      const sut = await mcos(['--json', 'put', 'cat.jpg', 'photos/2024/a cat.jpg', '--meta', 'owner=alice', '--no-overwrite']);
      expect(sut.code).toBe(0);
      expect(JSON.parse(sut.stdout)).toMatchObject({ container: 'photos', name: '2024/a cat.jpg', size: data.length, state: 'CREATED' });
      expect(sut.stderr).toBe('');
    });

    it("downloads to the object's name and checks the bytes against the etag", async () => {
      const data = Buffer.from('hello world');
      const etag = createHash('md5').update(data).digest('hex');
      server.routes.set('GET /v1/containers/c/objects/dir/hello.txt', (_req, _body, res) => {
        res.writeHead(200, { etag: `"${etag}"`, 'content-length': String(data.length), 'x-mcos-served-by': 'agent-b' });
        res.end(data);
      });
      const sut = await mcos(['get', 'c/dir/hello.txt']);
      expect(sut).toMatchObject({ code: 0, stdout: 'Downloaded c/dir/hello.txt to hello.txt (11 B).\n' });
      expect(readFileSync(join(dir, 'hello.txt'), 'utf8')).toBe('hello world');
    });

    it('refuses bytes that do not match the etag (exit 4) and leaves no file behind', async () => {
      server.routes.set('GET /v1/containers/c/objects/bad.txt', (_req, _body, res) => {
        res.writeHead(200, { etag: `"${'0'.repeat(32)}"`, 'content-length': '3' });
        res.end('abc');
      });
      const sut = await mcos(['get', 'c/bad.txt']);
      expect(sut.code).toBe(4);
      expect(sut.stderr).toContain('do not match its etag');
      expect(existsSync(join(dir, 'bad.txt'))).toBe(false);
      expect(readdirSync(dir).filter((f) => f.includes('mcos-'))).toEqual([]);
    });

    it('says when the destination cannot be written (exit 2)', async () => {
      server.routes.set('GET /v1/containers/c/objects/a', (_req, _body, res) => {
        res.writeHead(200, { 'content-length': '1' });
        res.end('x');
      });
      const sut = await mcos(['get', 'c/a', 'no/such/dir/a']);
      expect(sut.code).toBe(2);
      expect(sut.stderr).toContain('cannot write no/such/dir/a: ENOENT');
    });

    it('writes to stdout with "-", and nothing else', async () => {
      server.routes.set('GET /v1/containers/c/objects/a', (_req, _body, res) => {
        res.writeHead(200, { 'content-length': '5' });
        res.end('bytes');
      });
      expect(await mcos(['get', 'c/a', '-'])).toEqual({ code: 0, stdout: 'bytes', stderr: '' });
    });
  });

  describe('admin commands', () => {
    it('need a controller URL (exit 2) and say how to give one', async () => {
      store.save(session({ controllerUrl: undefined }));
      const sut = await mcos(['admin', 'services']);
      expect(sut.code).toBe(2);
      expect(sut.stderr).toContain('--controller');
    });

    it('use --controller over the stored URL, and show services as a table', async () => {
      store.save(session({ controllerUrl: 'http://127.0.0.1:1' }));
      server.routes.set('GET /v1/services', (_req, _body, res) =>
        json(res, 200, [
          { name: 'agent-a', url: 'u', region: 'r1', backend: 'fs', status: 'ACTIVE', weight: 1, capacity: { totalBytes: 2048, usedBytes: 1024 }, speed: { writeMBps: 100.4, readMBps: 200 }, ringVersions: { standard: 3 }, progress: { scanned: 1, pushed: 0, moved: 0, failures: 2, oldestUnreplicatedMs: 0, remainingByOption: { standard: 4 } } },
        ]),
      );
      const sut = await mcos(['admin', '--controller', server.url, 'services']);
      expect(sut.code).toBe(0);
      expect(sut.stdout.split('\n')[1]).toMatch(/^agent-a\s+r1\s+ACTIVE\s+1\.0 KiB \/ 2\.0 KiB\s+w 100 \/ r 200 MB\/s\s+v3\s+4 to move, 2 failed$/);
    });

    it('use the first controller the agent named that answers, and --controller or MCOS_CONTROLLER_URL over them', async () => {
      const other = new FakeServer();
      await other.start();
      try {
        other.routes.set('GET /v1/options', (_req, _body, res) => json(res, 200, []));
        server.routes.set('GET /health', (_req, _body, res) => json(res, 200, { status: 'ok' }));
        server.routes.set('GET /v1/options', (req, _body, res) => {
          expect(req.headers.authorization).toBe('Bearer tok');
          json(res, 200, [{ name: 'standard', replicas: 3, writeQuorum: 2, readQuorum: 2, readYourWrites: true, ringVersion: 4, containers: 1, createdAt: 'c', updatedAt: 'u' }]);
        });
        store.save(session({ controllerUrl: undefined, controllers: ['http://127.0.0.1:1', server.url, other.url] }));
        const sut = await mcos(['admin', 'options']);
        expect(sut.code).toBe(0);
        expect(sut.stdout).toMatch(/^standard\s+3\s+2\s+2\s+yes\s+any\s+v4\s+1$/m);
        expect(server.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /health', 'GET /v1/options']);
        expect(other.seen).toHaveLength(0);

        expect((await mcos(['--json', 'admin', '--controller', other.url, 'options'])).stdout).toBe('[]\n');
        expect((await mcos(['--json', 'admin', 'options'], { env: { MCOS_CONTROLLER_URL: other.url } })).stdout).toBe('[]\n');
        expect(other.seen.map((r) => r.url)).toEqual(['/v1/options', '/v1/options']);
      } finally {
        await other.stop();
      }
    });

    it('say so (exit 4) when none of the controllers the agent named answers', async () => {
      store.save(session({ controllerUrl: undefined, controllers: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] }));
      const sut = await mcos(['admin', 'services']);
      expect(sut.code).toBe(4);
      expect(sut.stderr).toContain('none of the controllers the agent named answers (http://127.0.0.1:1, http://127.0.0.1:2)');
    });

    it('create a user with the role user unless --role says otherwise', async () => {
      store.save(session());
      const bodies: unknown[] = [];
      server.routes.set('POST /v1/users', (_req, body, res) => {
        const request = JSON.parse(body.toString()) as { username: string; role: string };
        bodies.push(request);
        json(res, 201, { username: request.username, role: request.role, createdAt: 'c', updatedAt: 'u' });
      });
      expect((await mcos(['admin', 'users', 'add', 'bob', '-p', 'bob-password'])).stdout).toBe('Created user bob (role user).\n');
      expect((await mcos(['admin', 'users', 'add', 'eve', '-p', 'eve-password', '--role', 'admin'])).stdout).toBe('Created user eve (role admin).\n');
      expect(bodies).toEqual([
        { username: 'bob', password: 'bob-password', role: 'user' },
        { username: 'eve', password: 'eve-password', role: 'admin' },
      ]);
      expect((await mcos(['admin', 'users', 'add', '--help'])).stdout).toContain('default: "user"');
    });

    it('say an admin role is needed on 403 (exit 3)', async () => {
      store.save(session());
      server.routes.set('GET /v1/users', (_req, _body, res) => json(res, 403, { statusCode: 403, error: 'Forbidden', message: 'admin role required' }));
      const sut = await mcos(['admin', 'users', 'ls']);
      expect(sut.code).toBe(3);
      expect(sut.stderr).toContain('admin role');
    });
  });
});
