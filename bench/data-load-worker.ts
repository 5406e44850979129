/**
 * The load generator process (forked by data-load.ts): runs the workloads it
 * is sent, one at a time, and replies with their figures. HTTP goes through
 * node:http with a keep-alive agent; the physical baseline does what the fs
 * driver does to a file (temp file, fsync, rename, directory fsync) with
 * Node's fs at the same concurrency.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import type { SmallResult, SmallWorkload, StreamResult, StreamWorkload, Workload } from './data-load';
import { awsChunkedLength, ChunkSigner, EMPTY_SHA256, S3RequestSigner, sha256Hex, STREAMING_PAYLOAD, UNSIGNED_PAYLOAD } from './data-s3-sign';

/** aws-chunked chunk size of signed streaming PUTs (minio-go's and restic's). */
const S3_CHUNK = 64 * 1024;

const BLOCK = randomBytes(1 << 20);

interface Target {
  hostname: string;
  port: string;
  path: string;
}

function parse(url: string): Target {
  const u = new URL(url);
  return { hostname: u.hostname, port: u.port, path: u.pathname + u.search };
}

const hostOf = (t: Target) => `${t.hostname}:${t.port}`;

function exchange(agent: http.Agent, method: string, t: Target, headers: Record<string, string>, body?: Buffer): Promise<number> {
  return new Promise((ok, fail) => {
    const req = http.request({ agent, hostname: t.hostname, port: t.port, path: t.path, method, headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('error', fail);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) ok(bytes);
        else fail(new Error(`${method} ${t.path}: HTTP ${status}`));
      });
    });
    req.on('error', fail);
    req.end(body);
  });
}

/** The operation one worker repeats; `n` numbers the operation (unique across workers). */
function smallOperation(w: SmallWorkload): (n: number) => Promise<void> {
  const body = BLOCK.subarray(0, w.size);
  const headers = w.headers ?? {};
  const signer = w.s3 ? new S3RequestSigner(w.s3) : undefined;
  switch (w.op) {
    case 'put': {
      const agent = new http.Agent({ keepAlive: true, maxSockets: w.concurrency });
      const base = parse(w.targets[0]);
      const put = { ...headers, 'content-length': String(w.size), 'content-type': 'application/octet-stream' };
      return async (n) => {
        const target = { ...base, path: `${base.path}${n}` };
        // An S3 client hashes every body it signs: the hash is part of the measured work.
        const signed = signer ? { ...put, ...signer.sign('PUT', hostOf(target), target.path, sha256Hex(body)).headers } : put;
        await exchange(agent, 'PUT', target, signed, body);
      };
    }
    case 'get': {
      const agent = new http.Agent({ keepAlive: true, maxSockets: w.concurrency });
      const targets = w.targets.map(parse);
      return async (n) => {
        const target = targets[n % targets.length];
        const got = await exchange(agent, 'GET', target, signer ? { ...headers, ...signer.sign('GET', hostOf(target), target.path, EMPTY_SHA256).headers } : headers);
        if (got !== w.size) throw new Error(`GET ${targets[n % targets.length].path}: ${got} bytes, expected ${w.size}`);
      };
    }
    case 'write': {
      const tmpDir = join(w.targets[0], '.tmp');
      const objectDir = join(w.targets[0], 'objects');
      return async (n) => durableWrite(join(tmpDir, `t${n}`), join(objectDir, `o${n}`), objectDir, [body]);
    }
    case 'read':
      return async (n) => {
        const got = await fsp.readFile(w.targets[n % w.targets.length]);
        if (got.length !== w.size) throw new Error(`read ${got.length} bytes, expected ${w.size}`);
      };
  }
}

/** Temp file + fsync + rename + directory fsync: what the fs driver does for every put. */
async function durableWrite(tmp: string, target: string, dir: string, chunks: Iterable<Buffer>): Promise<void> {
  const fh = await fsp.open(tmp, 'wx', 0o644);
  try {
    for (const chunk of chunks) await fh.write(chunk);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, target);
  const d = await fsp.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

async function runSmall(w: SmallWorkload): Promise<SmallResult> {
  if (w.op === 'write') {
    await fsp.mkdir(join(w.targets[0], '.tmp'), { recursive: true });
    await fsp.mkdir(join(w.targets[0], 'objects'), { recursive: true });
  }
  const operation = smallOperation(w);
  const latencies: number[] = [];
  const now = () => performance.now();
  const started = now();
  const measureFrom = started + w.warmupMs;
  const end = measureFrom + w.durationMs;
  let counter = Date.now() * 1000; // unique names across runs
  let lastEnd = measureFrom;
  const worker = async () => {
    while (now() < end) {
      const t0 = now();
      await operation(counter++);
      const t1 = now();
      // Counted: every operation that completes after the warm-up (the last ones may end after `end`).
      if (t1 >= measureFrom) {
        latencies.push(t1 - t0);
        lastEnd = Math.max(lastEnd, t1);
      }
    }
  };
  await Promise.all(Array.from({ length: w.concurrency }, worker));
  if (latencies.length === 0) throw new Error(`no ${w.op} completed in ${w.durationMs} ms`);
  latencies.sort((a, b) => a - b);
  const seconds = (lastEnd - measureFrom) / 1000;
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1))] ?? NaN;
  return { ops: latencies.length, seconds, opsPerSec: latencies.length / seconds, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

function* blocks(size: number): Generator<Buffer> {
  for (let sent = 0; sent < size; sent += BLOCK.length) yield BLOCK.subarray(0, Math.min(BLOCK.length, size - sent));
}

async function runStream(w: StreamWorkload): Promise<StreamResult> {
  const started = performance.now();
  let bytes = w.size;
  switch (w.op) {
    case 'put':
      await streamPut(w);
      break;
    case 'get': {
      const t = parse(w.target);
      const headers = w.s3 ? { ...w.headers, ...new S3RequestSigner(w.s3).sign('GET', hostOf(t), t.path, EMPTY_SHA256).headers } : (w.headers ?? {});
      bytes = await exchange(new http.Agent({ keepAlive: false }), 'GET', t, headers);
      if (bytes !== w.size) throw new Error(`GET ${w.target}: ${bytes} bytes, expected ${w.size}`);
      break;
    }
    case 'write': {
      const dir = join(w.target, '..');
      await durableWrite(`${w.target}.tmp`, w.target, dir, blocks(w.size));
      break;
    }
    case 'read': {
      const fh = await fsp.open(w.target, 'r');
      const buf = Buffer.allocUnsafe(BLOCK.length);
      try {
        bytes = 0;
        for (let n; (n = (await fh.read(buf, 0, buf.length, null)).bytesRead) > 0; ) bytes += n;
      } finally {
        await fh.close();
      }
      break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { bytes, seconds, mibPerSec: bytes / 2 ** 20 / seconds };
}

/**
 * The headers of a streamed PUT and how each block goes on the wire: as it
 * is, or framed as signed aws-chunked (64 KiB chunks).
 */
function streamPutPlan(w: StreamWorkload, t: Target): { headers: Record<string, string>; frame: (block: Buffer, last: boolean) => Buffer[] } {
  const plain = { ...w.headers, 'content-length': String(w.size), 'content-type': 'application/octet-stream' };
  if (!w.s3) return { headers: plain, frame: (block) => [block] };
  const signer = new S3RequestSigner(w.s3);
  if (w.s3.payload === 'unsigned') return { headers: { ...plain, ...signer.sign('PUT', hostOf(t), t.path, UNSIGNED_PAYLOAD).headers }, frame: (block) => [block] };
  const extra = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(w.size), 'content-length': String(awsChunkedLength(w.size, S3_CHUNK)) };
  const signed = signer.sign('PUT', hostOf(t), t.path, STREAMING_PAYLOAD, extra);
  const chunks = new ChunkSigner(signed);
  return {
    headers: { ...w.headers, 'content-type': 'application/octet-stream', ...signed.headers },
    frame: (block, last) => {
      const out: Buffer[] = [];
      for (let at = 0; at < block.length; at += S3_CHUNK) out.push(...chunks.frame(block.subarray(at, Math.min(block.length, at + S3_CHUNK))));
      if (last) out.push(...chunks.frame(Buffer.alloc(0)));
      return out;
    },
  };
}

function streamPut(w: StreamWorkload): Promise<void> {
  return new Promise((ok, fail) => {
    const t = parse(w.target);
    const { headers, frame } = streamPutPlan(w, t);
    const req = http.request({ agent: false, hostname: t.hostname, port: t.port, path: t.path, method: 'PUT', headers }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 0) < 300 ? ok() : fail(new Error(`PUT ${t.path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', fail);
    // BLOCK is a multiple of the chunk size: every chunk but the last is full.
    const source = blocks(w.size);
    let sent = 0;
    const pump = () => {
      for (let next = source.next(); !next.done; next = source.next()) {
        sent += next.value.length;
        let drained = true;
        for (const piece of frame(next.value, sent === w.size)) drained = req.write(piece) && drained;
        if (!drained) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

process.on('message', (m: { id: number; workload: Workload }) => {
  const work = m.workload.kind === 'small' ? runSmall(m.workload) : runStream(m.workload);
  work.then(
    (result) => process.send?.({ id: m.id, ok: true, result }),
    (err: unknown) => process.send?.({ id: m.id, ok: false, error: (err as Error).message ?? String(err) }),
  );
});
// The bench went away (crash, Ctrl-C): never outlive it.
process.on('disconnect', () => process.exit(0));
