/**
 * The HTTP reference of the data benchmark: the least a Node.js object
 * server must do, in its own process — PUT streams the body to a temp file
 * (1 MiB writes), fsync, rename, directory fsync (the fs driver's
 * durability); GET streams the file back (1 MiB reads). No auth, no index,
 * no checksums, no replication. It shows what node:http on loopback costs
 * on this machine, so that MCOS's distance to the raw disk can be split
 * into "HTTP in Node" and "MCOS itself".
 *
 * Forked by data.bench.ts with an IPC channel: sends `{ port }` once
 * listening, exits when the bench goes away.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';

const CHUNK = 1 << 20;
const root = process.argv[2];
const files = join(root, 'objects');
const tmp = join(root, '.tmp');

async function put(req: http.IncomingMessage, file: string): Promise<void> {
  const temp = join(tmp, randomUUID());
  const fh = await fsp.open(temp, 'wx', 0o644);
  try {
    let batch: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of req) {
      batch.push(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      if (bytes >= CHUNK) {
        await fh.write(Buffer.concat(batch, bytes));
        batch = [];
        bytes = 0;
      }
    }
    if (bytes > 0) await fh.write(Buffer.concat(batch, bytes));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(temp, file);
  const dir = await fsp.open(files, 'r');
  await dir.sync().finally(() => dir.close());
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const file = join(files, encodeURIComponent(decodeURIComponent((req.url ?? '/').slice(1))));
  if (req.method === 'PUT') {
    await put(req, file);
    res.writeHead(201, { 'content-length': '0' }).end();
    return;
  }
  const { size } = await fsp.stat(file);
  res.writeHead(200, { 'content-length': String(size), 'content-type': 'application/octet-stream' });
  createReadStream(file, { highWaterMark: CHUNK }).on('error', () => res.destroy()).pipe(res);
}

async function main(): Promise<void> {
  await fsp.mkdir(files, { recursive: true });
  await fsp.mkdir(tmp, { recursive: true });
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead((err as NodeJS.ErrnoException).code === 'ENOENT' ? 404 : 500).end(err.message);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
}

process.on('disconnect', () => process.exit(0));
void main();
