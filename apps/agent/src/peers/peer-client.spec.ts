import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { SERVICE_ASSERTION_HEADER } from '@mcos/common';
import type { ReplicaVersion } from '../storage/replica-version';
import { PeerClient, type PeerRef } from './peer-client';
import { PeerRejectedError, PeerUnavailableError } from './peer.errors';
import { versionToHeaders } from './peer-protocol';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

const VERSION: ReplicaVersion = {
  timestamp: '0000019a00000000.000001.b',
  deleted: false,
  option: 'standard',
  size: 5,
  etag: createHash('md5').update('hello').digest('hex'),
  contentType: 'text/plain',
  userMeta: { note: 'é' },
};

/** A real loopback HTTP server standing in for a peer agent. */
describe('PeerClient against a loopback server', () => {
  let server: http.Server;
  let handler: Handler;
  let peer: PeerRef;
  let client: PeerClient;
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        handler(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    peer = { name: 'b', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  });

  beforeEach(() => {
    seen.length = 0;
    client = new PeerClient({ assertion: (peerName) => `assertion-for-${peerName}`, timeoutMs: 300 });
  });

  afterEach(() => client.close());

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('streams a replica up with its version and an assertion addressed to the peer, and reads the answer', async () => {
    handler = (_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ applied: true, held: VERSION }));
    const r = await client.putReplica(peer, 'o/a/c/x y', { ...VERSION, etag: undefined }, Readable.from([Buffer.from('hel'), Buffer.from('lo')]));
    expect(r).toEqual({ applied: true, held: VERSION });
    const req = seen[0];
    expect(req.method).toBe('PUT');
    expect(req.url).toBe('/v1/peer/replica?key=o%2Fa%2Fc%2Fx+y');
    expect(req.headers[SERVICE_ASSERTION_HEADER]).toBe('assertion-for-b');
    expect(req.headers['content-length']).toBe('5');
    expect(req.headers['x-mcos-timestamp']).toBe(VERSION.timestamp);
    expect(req.headers['x-mcos-etag']).toBeUndefined();
    expect(req.body.toString()).toBe('hello');
  });

  it('sends a body of unknown length chunked', async () => {
    handler = (_req, res) => res.writeHead(201).end(JSON.stringify({ applied: true, held: VERSION }));
    await client.putReplica(peer, 'k', { ...VERSION, size: undefined, etag: undefined }, Readable.from([Buffer.alloc(70_000, 1)]));
    expect(seen[0].headers['transfer-encoding']).toBe('chunked');
    expect(seen[0].body.length).toBe(70_000);
  });

  it('fails the put, without waiting, when the body fails mid-way', async () => {
    handler = (_req, res) => res.writeHead(201).end('{}');
    const body = new PassThrough();
    const put = client.putReplica(peer, 'k', { ...VERSION, size: 1000 }, body);
    body.write(Buffer.alloc(10));
    setTimeout(() => body.destroy(new Error('client went away')), 20);
    await expect(put).rejects.toBeInstanceOf(PeerUnavailableError);
  });

  it('streams a replica down with its version and range', async () => {
    handler = (req, res) => {
      res.writeHead(206, { ...versionToHeaders(VERSION), 'content-range': 'bytes 1-3/5' }).end('ell');
      expect(req.headers.range).toBe('bytes=1-3');
    };
    const got = await client.getReplica(peer, 'k', { start: 1, end: 3 });
    expect(got?.version).toEqual(VERSION);
    expect(got?.range).toEqual({ start: 1, end: 3 });
    const chunks: Buffer[] = [];
    for await (const c of got!.body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('ell');
  });

  it('reads absent replicas as undefined and keeps the connection usable', async () => {
    handler = (_req, res) => res.writeHead(404).end('{"error":"not found"}');
    expect(await client.getReplica(peer, 'k')).toBeUndefined();
    expect(await client.statReplica(peer, 'k')).toBeUndefined();
    handler = (_req, res) => res.writeHead(200).end(JSON.stringify(VERSION));
    expect(await client.statReplica(peer, 'k')).toEqual(VERSION);
  });

  it('maps 5xx, refused connections and a silent peer to PeerUnavailableError, other 4xx to PeerRejectedError', async () => {
    handler = (_req, res) => res.writeHead(503).end('busy');
    await expect(client.statReplica(peer, 'k')).rejects.toThrow(/HTTP 503 busy/);
    await expect(client.getReplica(peer, 'k')).rejects.toBeInstanceOf(PeerUnavailableError);
    handler = (_req, res) => res.writeHead(400).end('bad key');
    await expect(client.getReplica(peer, 'k')).rejects.toBeInstanceOf(PeerRejectedError);
    await expect(client.statReplica(peer, 'k')).rejects.toThrow(/rejected the request \(400\): bad key/);
    handler = () => undefined; // never answers
    const started = Date.now();
    await expect(client.statReplica(peer, 'k')).rejects.toThrow(/ETIMEDOUT/);
    expect(Date.now() - started).toBeLessThan(5_000);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(client.getReplica({ name: 'gone', url: `http://127.0.0.1:${port}` }, 'k')).rejects.toThrow(/peer gone: ECONNREFUSED/);
  });

  it('refuses a replica whose version headers are unreadable', async () => {
    handler = (_req, res) => res.writeHead(200, { 'x-mcos-timestamp': 't' }).end('x');
    await expect(client.getReplica(peer, 'k')).rejects.toThrow(/unreadable replica headers/);
  });
});

/** Issue 13, point 8: slow readers of a peer's replicas cannot take the connections writes and control calls need. */
describe('PeerClient pools', () => {
  let server: http.Server;
  let peer: PeerRef;
  const held: http.ServerResponse[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.method === 'GET' && req.url?.startsWith('/v1/peer/replica?')) {
        // A replica read that never finishes: its reader is slow (or gone).
        res.writeHead(200, versionToHeaders(VERSION));
        res.write('he');
        held.push(res);
        return;
      }
      req.resume();
      req.on('end', () => {
        if (req.method === 'PUT') res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ applied: true, held: VERSION }));
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'b', clusterMapVersion: 3 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    peer = { name: 'b', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  });

  afterAll(async () => {
    held.forEach((r) => r.destroy());
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('keeps writes and control calls going while every read connection is held', async () => {
    const sut = new PeerClient({
      assertion: () => 'a',
      timeoutMs: 2_000,
      pools: { readSockets: 2, writeSockets: 2, controlSockets: 1, idleTimeoutMs: 30_000 },
    });
    try {
      const reads = await Promise.all([sut.getReplica(peer, 'o/a/c/1'), sut.getReplica(peer, 'o/a/c/2')]);
      expect(held).toHaveLength(2);
      // A third read waits for a read connection...
      let thirdSettled = false;
      const third = sut.getReplica(peer, 'o/a/c/3');
      void third.then(
        () => (thirdSettled = true),
        () => (thirdSettled = true),
      );
      // ...while writes and control calls have their own.
      await expect(sut.putReplica(peer, 'o/a/c/w', { ...VERSION, etag: undefined }, Readable.from([Buffer.from('hello')]))).resolves.toMatchObject({ applied: true });
      await expect(sut.ping(peer)).resolves.toMatchObject({ clusterMapVersion: 3 });
      expect(held).toHaveLength(2);
      expect(thirdSettled).toBe(false);
      // ...and gets one once a slow read lets go.
      reads.forEach((r) => r?.body.destroy());
      const got = await third;
      got?.body.destroy();
      expect(held).toHaveLength(3);
    } finally {
      sut.close();
    }
  });

  it('closes a peer stream on which no byte moves for the idle timeout, freeing its connection', async () => {
    const sut = new PeerClient({ assertion: () => 'a', timeoutMs: 2_000, pools: { readSockets: 1, writeSockets: 1, controlSockets: 1, idleTimeoutMs: 300 } });
    try {
      const read = await sut.getReplica(peer, 'o/a/c/idle');
      const failed = new Promise<Error>((resolve) => read!.body.once('error', resolve).once('close', () => resolve(new Error('closed'))));
      read!.body.pause(); // the reader stopped reading
      expect((await failed).message).toBeTruthy();
      // The one read connection is free again.
      const next = await sut.getReplica(peer, 'o/a/c/next');
      next!.body.destroy();
    } finally {
      sut.close();
    }
  });
});
