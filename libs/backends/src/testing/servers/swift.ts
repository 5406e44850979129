import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { firstJsonLine, startServerChild } from './child-server';

/** A running Swift all-in-one (swift-aio.py beside it) and how to reach it. */
export interface SwiftHandle {
  /** TempAuth v1.0 URL: `GET` with X-Auth-User / X-Auth-Key. */
  authUrl: string;
  /** The account's storage URL (what auth answers). */
  storageUrl: string;
  /** The same proxy's S3 API (s3api): path-style, SigV4, region us-east-1. */
  s3Endpoint: string;
  /** TempAuth user `account:user`; also the S3 access key. */
  user: string;
  /** TempAuth key; also the S3 secret. */
  key: string;
  /** Containers created at start (also S3 buckets). */
  containers: string[];
  dir: string;
  /** The supervisor's PID; it stops exactly its children (memcached, account, container, object, proxy). */
  pid: number;
  pids: Record<string, number>;
  /** Stops the supervisor (SIGTERM, SIGKILL after 10 s) and removes the data dir if it was made here. */
  stop(): Promise<void>;
}

export interface StartSwiftOptions {
  /** Data directory; default a fresh temp dir, removed by `stop()`. */
  dir?: string;
  /** Proxy port; default any free loopback port. */
  port?: number;
  /** Containers to create; default `['mcos']`. */
  containers?: string[];
}

/** Debian's python: a pyenv python on PATH lacks the swift module. */
const PYTHON = '/usr/bin/python3';
const SUPERVISOR = path.join(__dirname, 'swift-aio.py');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

let unavailable: string | undefined | null = null;

/**
 * Why a Swift all-in-one cannot run on this machine (Debian packages
 * `swift swift-proxy swift-account swift-container swift-object memcached`
 * missing), or undefined when it can. Checked once, synchronously, so that a
 * spec can choose between `describe` and `describe.skip` at load time.
 */
export function swiftUnavailableReason(): string | undefined {
  if (unavailable !== null) return unavailable;
  unavailable = undefined;
  if (!existsSync(PYTHON)) unavailable = `${PYTHON} not found`;
  else if (!existsSync('/usr/bin/memcached')) unavailable = 'memcached not installed (apt-get install memcached)';
  else {
    try {
      execFileSync(PYTHON, ['-c', 'import swift.proxy.server, swift.account.server, swift.container.server, swift.obj.server'], {
        stdio: 'pipe',
        env: { ...process.env, EVENTLET_NO_GREENDNS: 'yes' },
        timeout: 30_000,
      });
    } catch (err) {
      const why = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop() ?? String(err);
      unavailable = `Swift servers not importable with ${PYTHON} (apt-get install swift swift-proxy swift-account swift-container swift-object memcached): ${why}`;
    }
  }
  return unavailable;
}

/**
 * Starts a single-node Swift (memcached + account, container, object and
 * proxy servers with tempauth, s3api and slo) on free loopback ports and
 * resolves once it answers auth and the containers exist. The supervisor
 * and its children die with this process, so nothing outlives a crashed run.
 */
export async function startSwift(opts: StartSwiftOptions = {}): Promise<SwiftHandle> {
  const reason = swiftUnavailableReason();
  if (reason) throw new Error(`cannot start Swift: ${reason}`);
  const containers = opts.containers ?? ['mcos'];
  type Ready = { authUrl: string; storageUrl: string; s3Endpoint: string; user: string; key: string; pids: Record<string, number> };
  const server = await startServerChild({
    name: 'Swift',
    command: PYTHON,
    args: (dir) => [SUPERVISOR, '--dir', dir, '--port', String(opts.port ?? 0), ...containers.flatMap((c) => ['--container', c])],
    dir: opts.dir,
    tempName: 'swift',
    startTimeoutMs: START_TIMEOUT_MS,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    ready: firstJsonLine<Ready>,
  });
  return { ...server.ready, containers, dir: server.dir, pid: server.pid, stop: server.stop };
}
