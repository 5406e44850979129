import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { firstJsonLine, stopChild, waitForReady } from './child-server';

/** A running s3rver child process and how to reach it. */
export interface S3rverHandle {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Its data directory. */
  dir: string;
  pid: number;
  /** Stops exactly this process (SIGTERM, then SIGKILL after 5 s) and removes the data dir if it was made here. */
  stop(): Promise<void>;
}

export interface StartS3rverOptions {
  /** Data directory; default a fresh temp dir, removed by `stop()`. */
  dir?: string;
  /** Default 0: any free loopback port. */
  port?: number;
  bucket?: string;
}

const LAUNCHER = path.join(__dirname, 's3rver-launcher.cjs');
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Spawns s3rver (through `s3rver-launcher.cjs`) on 127.0.0.1 and resolves
 * once it listens. The child holds an IPC channel to this process and exits
 * if this process dies, so nothing outlives a crashed test run.
 */
export async function startS3rver(opts: StartS3rverOptions = {}): Promise<S3rverHandle> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(path.join(tmpdir(), 'mcos-s3rver-')));
  const bucket = opts.bucket ?? 'mcos';
  const child = spawn(
    process.execPath,
    // s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only has in its legacy provider.
    ['--openssl-legacy-provider', LAUNCHER, '--dir', dir, '--address', '127.0.0.1', '--port', String(opts.port ?? 0), '--bucket', bucket],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ready: { address: string; port: number };
  try {
    ready = await waitForReady(child, 's3rver', START_TIMEOUT_MS, firstJsonLine<{ address: string; port: number }>);
  } catch (err) {
    await stopChild(child, exited, STOP_TIMEOUT_MS);
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  // Keep draining its output so that it can never block on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    endpoint: `http://${ready.address}:${ready.port}`,
    region: 'us-east-1',
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    dir,
    pid: child.pid as number,
    async stop() {
      await stopChild(child, exited, STOP_TIMEOUT_MS);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

