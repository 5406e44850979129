import * as path from 'node:path';
import { firstJsonLine, startServerChild } from './child-server';

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
  const bucket = opts.bucket ?? 'mcos';
  const server = await startServerChild({
    name: 's3rver',
    command: process.execPath,
    // s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only has in its legacy provider.
    args: (dir) => ['--openssl-legacy-provider', LAUNCHER, '--dir', dir, '--address', '127.0.0.1', '--port', String(opts.port ?? 0), '--bucket', bucket],
    dir: opts.dir,
    tempName: 's3rver',
    ipc: true,
    startTimeoutMs: START_TIMEOUT_MS,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    ready: firstJsonLine<{ address: string; port: number }>,
  });
  return {
    endpoint: `http://${server.ready.address}:${server.ready.port}`,
    region: 'us-east-1',
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    dir: server.dir,
    pid: server.pid,
    stop: server.stop,
  };
}
