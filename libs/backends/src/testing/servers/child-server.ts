import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** How to run one server child (see `startServerChild`). */
export interface ServerChildOptions<T> {
  /** For messages, e.g. `s3rver`. */
  name: string;
  command: string;
  /** The arguments, given the data directory. */
  args(dir: string): string[];
  /** Data directory; when absent a fresh temp dir named `mcos-<tempName>-…`, removed by `stop()`. */
  dir?: string;
  tempName: string;
  /** Give the child an IPC channel (launchers stop when it closes, i.e. when this process dies). */
  ipc?: boolean;
  startTimeoutMs: number;
  /** SIGKILL after this long since the SIGTERM. */
  stopTimeoutMs: number;
  /** Reads the child's stdout so far; a value once it is ready (see `waitForReady`). */
  ready(stdout: string): T | undefined;
  /** Further set-up once ready (containers...); if it fails the child is stopped. */
  afterReady?(ready: T): Promise<void>;
}

/** A running server child. */
export interface ServerChild<T> {
  ready: T;
  dir: string;
  pid: number;
  /** Stops exactly this child and removes the data dir if it was made here. */
  stop(): Promise<void>;
}

/**
 * Spawns a server, waits until it says it is ready, and gives a `stop` that
 * ends exactly that process. A failed start stops the child and removes
 * the temp dir before rejecting.
 */
export async function startServerChild<T>(o: ServerChildOptions<T>): Promise<ServerChild<T>> {
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? (await mkdtemp(path.join(tmpdir(), `mcos-${o.tempName}-`)));
  await mkdir(dir, { recursive: true });
  const child = spawn(o.command, o.args(dir), { stdio: o.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    await stopChild(child, exited, o.stopTimeoutMs);
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  let ready: T;
  try {
    ready = await waitForReady(child, o.name, o.startTimeoutMs, (out) => o.ready(out));
    await o.afterReady?.(ready);
  } catch (err) {
    await stop();
    throw err;
  }
  // Keep draining its output so that it can never block on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return { ready, dir, pid: child.pid as number, stop };
}

/**
 * Waits until a server child says it is ready on stdout: `ready` is called
 * with everything printed so far and returns a value once it sees the
 * sign. Fails with what the child printed if it exits first or takes longer
 * than `timeoutMs`.
 */
export function waitForReady<T>(child: ChildProcess, name: string, timeoutMs: number, ready: (stdout: string) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const settle = (finish: () => void) => {
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      child.off('exit', onExit);
      finish();
    };
    const fail = (e: Error) => settle(() => reject(e));
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${timeoutMs} ms: ${out}${err}`)), timeoutMs);
    const onExit = (code: number | null) => fail(new Error(`${name} exited with ${code} before it was ready: ${out}${err}`));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', onExit);
    child.once('error', fail);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      let value: T | undefined;
      try {
        value = ready(out);
      } catch (e) {
        fail(e as Error);
        return;
      }
      if (value !== undefined) settle(() => resolve(value as T));
    });
  });
}

/** The first line the child printed, parsed as JSON (its ready report); undefined until a full line is there. */
export function firstJsonLine<T>(stdout: string): T | undefined {
  const nl = stdout.indexOf('\n');
  return nl < 0 ? undefined : (JSON.parse(stdout.slice(0, nl)) as T);
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, exited: Promise<void>, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
  if (child.connected) child.disconnect();
}
