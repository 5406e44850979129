import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { jsonBodies, refuseEncodedBodies } from './body-limits';

type Mw = (req: http.IncomingMessage, res: http.ServerResponse, next: (err?: unknown) => void) => void;

/** A loopback server running the middlewares in order, then answering what it parsed. */
async function serve(middlewares: Mw[]): Promise<{ url: string; close: () => Promise<void>; reached: string[] }> {
  const reached: string[] = [];
  const server = http.createServer((req, res) => {
    let i = 0;
    const next = (err?: unknown) => {
      if (err) return res.writeHead(500).end(String(err));
      const mw = middlewares[i++];
      if (mw) return mw(req, res, next);
      reached.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ body: (req as { body?: unknown }).body ?? null }));
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reached,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('body limits (issue 13, point 1)', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    app = await serve([
      refuseEncodedBodies(),
      jsonBodies([
        { method: 'POST', path: /^\/login$/, limitBytes: 64 },
        { method: 'PUT', path: /^\/big$/, limitBytes: 1024, maxInFlight: 1 },
      ]),
    ]);
  });
  afterAll(() => app.close());

  const post = (path: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('parses a small JSON body on its route', async () => {
    const res = await post('/login', '{"u":"a"}');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ body: { u: 'a' } });
  });

  it('refuses compressed bodies (415) before reading them, on any route', async () => {
    for (const path of ['/login', '/elsewhere']) {
      const res = await post(path, gzipSync('{"u":"a"}'), { 'content-encoding': 'gzip' });
      expect(res.status).toBe(415);
      expect(((await res.json()) as { statusCode: number }).statusCode).toBe(415);
    }
    expect((await post('/login', '{"u":"a"}', { 'content-encoding': 'identity' })).status).toBe(200);
  });

  it('refuses a body over the route limit (413), and does not parse routes that take no JSON', async () => {
    expect((await post('/login', JSON.stringify({ u: 'x'.repeat(100) }))).status).toBe(413);
    const other = await post('/elsewhere', JSON.stringify({ u: 'x'.repeat(100_000) }));
    expect(other.status).toBe(200);
    expect(await other.json()).toEqual({ body: null });
    expect((await post('/login', '{"u":')).status).toBe(400);
  });

  it('counts a chunked body as it arrives', async () => {
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode('"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'.slice(0, 30)));
        c.close();
      },
    });
    const res = await fetch(`${app.url}/login`, { method: 'POST', body: chunks, duplex: 'half', headers: { 'content-type': 'application/json' } } as RequestInit);
    expect(res.status).toBe(413);
  });
});
