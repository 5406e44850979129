import { Worker } from 'node:worker_threads';
import { InlineMd5, type Md5Source, type Md5Stream } from './md5';

/** Bodies up to this size are hashed inline: a message round trip costs more than hashing them. */
export const INLINE_MD5_MAX_BYTES = 1 << 20;
/** Bytes one stream may have waiting in the worker before its feeder is paused. */
const MAX_WAITING_BYTES = 1 << 20;
/**
 * Chunks travel in buffers of this size that the worker hands back once
 * hashed, to be reused: a fresh buffer per chunk would be freed only when
 * the worker's garbage collector runs, which it rarely does (its heap holds
 * almost nothing), and a 1 GiB transfer then grew the agent by ~80 MB.
 */
const CARRIER_BYTES = 256 * 1024;
/** Spare carriers kept for reuse (the rest are left to the garbage collector). */
const MAX_SPARE_CARRIERS = 8;

// The worker's whole program, run with `eval` so that it needs no separate
// file in dist/ and runs the same under jest. One hash per stream id.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = hashes.get(m.id);
    if (!h) hashes.set(m.id, (h = createHash('md5')));
    h.update(m.data);
    parentPort.postMessage({ op: 'hashed', id: m.id, data: m.data }, [m.data.buffer]);
  } else if (m.op === 'digest') {
    const h = hashes.get(m.id) || createHash('md5');
    hashes.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, md5: h.digest('hex') });
  } else if (m.op === 'abort') {
    hashes.delete(m.id);
  }
});
`;

type FromWorker = { op: 'hashed'; id: number; data: Uint8Array } | { op: 'digest'; id: number; md5: string };

/** Reusable transfer buffers, shared by the streams of one worker. */
class Carriers {
  private readonly spare: ArrayBuffer[] = [];

  take(): ArrayBuffer {
    return this.spare.pop() ?? new ArrayBuffer(CARRIER_BYTES);
  }

  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === CARRIER_BYTES && this.spare.length < MAX_SPARE_CARRIERS) this.spare.push(buffer);
  }
}

/**
 * MD5 on a worker thread, for the large bodies of the data path (opt-in:
 * agent setting `md5WorkerThread`).
 *
 * Why: MD5 (the S3-compatible ETag, computed on every PUT and checked on
 * every whole-object GET) runs at ~700 MiB/s per core here and was 58 % of
 * an agent's CPU on 256 MiB transfers, on the same thread that moves the
 * bytes between sockets and files. On its own thread it runs beside that
 * work instead of before it: +30-40 % on a 256 MiB GET in `bench:data`.
 * The price is ~10-15 MB of resident memory (the worker's own V8 isolate and
 * the chunks in flight), which is why it is off by default: it took the
 * agents' peak during 1 GiB transfers from ~175-188 MB to ~183-203 MB,
 * against a 200 MB budget. One worker serves the process (streams are
 * hashed in the order their chunks arrive); bodies known to be at most
 * 1 MiB are always hashed inline. If the worker dies, the streams it was
 * hashing fail and the next one starts a new worker.
 */
export class Md5Worker {
  private worker?: Worker;
  private nextId = 1;
  private readonly streams = new Map<number, WorkerMd5>();
  private readonly carriers = new Carriers();
  private closed = false;

  /** `enabled: false` never starts the worker: every stream is hashed inline. */
  constructor(private readonly enabled = true) {}

  /** Whether a body of `expectedBytes` (undefined: not known) goes to the worker. */
  wanted(expectedBytes?: number): boolean {
    return this.enabled && !this.closed && (expectedBytes === undefined || expectedBytes > INLINE_MD5_MAX_BYTES);
  }

  /** The Md5Source to wire into the data path: the worker where `wanted`, inline otherwise. */
  readonly source: Md5Source = (expectedBytes?: number) => (this.wanted(expectedBytes) ? this.open() : new InlineMd5());

  /** A stream hashed on the worker, whatever its size. */
  open(): Md5Stream {
    const stream = new WorkerMd5(this.nextId++, this.ensureWorker(), this.carriers, (id) => this.streams.delete(id));
    this.streams.set(stream.id, stream);
    return stream;
  }

  /** Streams not yet digested or aborted. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Nest's shutdown hook. */
  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // Small heaps: the worker keeps nothing but a few hashes, and V8's default
    // young generation alone would add ~15 MB of resident memory to the agent.
    const worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } });
    worker.unref(); // never keeps the process alive on its own
    worker.on('message', (m: FromWorker) => {
      if (m.op === 'hashed') this.carriers.give(m.data.buffer as ArrayBuffer);
      this.streams.get(m.id)?.onMessage(m);
    });
    const fail = (why: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const s of [...this.streams.values()]) if (s.worker === worker) s.fail(new Error(`MD5 worker ${why}`));
    };
    worker.on('error', (err) => fail(`failed: ${err.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    this.worker = worker;
    return worker;
  }
}

class WorkerMd5 implements Md5Stream {
  private waitingBytes = 0;
  private resumers: (() => void)[] = [];
  private result?: { resolve: (md5: string) => void; reject: (err: Error) => void };
  private error?: Error;
  private done = false;

  constructor(
    readonly id: number,
    readonly worker: Worker,
    private readonly carriers: Carriers,
    private readonly forget: (id: number) => void,
  ) {}

  update(chunk: Buffer): boolean {
    if (this.done || this.error) return true;
    // Copies the worker owns until it hands them back: the caller keeps using
    // `chunk` (it is being written to disk or a socket).
    for (let offset = 0; offset < chunk.length; offset += CARRIER_BYTES) {
      const part = chunk.subarray(offset, offset + CARRIER_BYTES);
      const data = new Uint8Array(this.carriers.take(), 0, part.length);
      data.set(part);
      this.waitingBytes += data.length;
      this.worker.postMessage({ op: 'update', id: this.id, data }, [data.buffer]);
    }
    return this.waitingBytes <= MAX_WAITING_BYTES;
  }

  whenDrained(resume: () => void): void {
    if (this.error || this.done || this.waitingBytes <= MAX_WAITING_BYTES / 2) resume();
    else this.resumers.push(resume);
  }

  digest(): Promise<string> {
    if (this.done) return Promise.reject(new Error('MD5 stream already finished'));
    this.done = true;
    if (this.error) return Promise.reject(this.error);
    return new Promise<string>((resolve, reject) => {
      this.result = { resolve, reject };
      this.worker.postMessage({ op: 'digest', id: this.id });
    });
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    this.forget(this.id);
    if (!this.error) this.worker.postMessage({ op: 'abort', id: this.id });
    this.release();
  }

  onMessage(m: FromWorker): void {
    if (m.op === 'hashed') {
      this.waitingBytes -= m.data.length;
      if (this.waitingBytes <= MAX_WAITING_BYTES / 2) this.release();
      return;
    }
    this.forget(this.id);
    this.result?.resolve(m.md5);
  }

  fail(err: Error): void {
    this.error = err;
    this.forget(this.id);
    this.result?.reject(err);
    this.release();
  }

  private release(): void {
    const resumers = this.resumers;
    this.resumers = [];
    for (const resume of resumers) resume();
  }
}
