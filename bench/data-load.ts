/**
 * The data benchmark's load generator, seen from the bench: a separate node
 * process (data-load-worker.js) that runs one workload at a time and answers
 * with its figures, so that the load it makes is not measured from inside
 * the process that coordinates the cluster.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { S3Credentials } from './data-s3-sign';

/** Many small requests (or files), `concurrency` in flight, for a fixed time. */
export interface SmallWorkload {
  kind: 'small';
  /** put/get over HTTP; write/read on the local file system (the physical baseline). */
  op: 'put' | 'get' | 'write' | 'read';
  /** put: URL prefix (a counter is appended); get: URLs to cycle through; write: a directory; read: files to cycle through. */
  targets: string[];
  headers?: Record<string, string>;
  /** Sign every request with SigV4 for this S3 key (put: the body's SHA-256 signed; get: empty payload). */
  s3?: S3Credentials;
  size: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

/** One object (or file) of `size` bytes, one stream. */
export interface StreamWorkload {
  kind: 'stream';
  op: 'put' | 'get' | 'write' | 'read';
  /** HTTP URL, or a file path for write/read. */
  target: string;
  headers?: Record<string, string>;
  /** Sign with SigV4 for this S3 key; put: `chunked` (every 64 KiB chunk signed) or `unsigned` (UNSIGNED-PAYLOAD). */
  s3?: S3Credentials & { payload: 'chunked' | 'unsigned' };
  size: number;
}

export type Workload = SmallWorkload | StreamWorkload;

export interface SmallResult {
  ops: number;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface StreamResult {
  bytes: number;
  seconds: number;
  mibPerSec: number;
}

type Reply = { id: number; ok: true; result: SmallResult | StreamResult } | { id: number; ok: false; error: string };

/** The worker process; `run()` sends it one workload and waits for its figures. */
export class LoadGenerator {
  private next = 0;
  private readonly waiting = new Map<number, { ok: (r: SmallResult | StreamResult) => void; fail: (e: Error) => void }>();
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.ok) w?.ok(m.result);
      else w?.fail(new Error(m.error));
    });
    // A send to a process that is gone (e.g. Ctrl-C reached it first) fails the waiting run, not the bench.
    child.on('error', (err) => {
      for (const w of this.waiting.values()) w.fail(err);
      this.waiting.clear();
    });
    child.once('exit', (code) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.fail(new Error(`load generator exited (${code})`));
      this.waiting.clear();
    });
  }

  static start(): LoadGenerator {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS'));
    return new LoadGenerator(fork(join(__dirname, 'data-load-worker.js'), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  run(w: SmallWorkload): Promise<SmallResult>;
  run(w: StreamWorkload): Promise<StreamResult>;
  run(w: Workload): Promise<SmallResult | StreamResult> {
    if (this.exited) return Promise.reject(new Error('load generator is not running'));
    const id = ++this.next;
    return new Promise((ok, fail) => {
      this.waiting.set(id, { ok, fail });
      this.child.send({ id, workload: w }, (err) => {
        if (!err) return;
        this.waiting.delete(id);
        fail(err);
      });
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((ok) => this.child.once('exit', ok));
    this.child.kill('SIGTERM');
    await Promise.race([gone, new Promise((ok) => setTimeout(ok, 5_000))]);
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
