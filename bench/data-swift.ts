/**
 * The Swift side of `bench:data -- --vs-swift`: a local OpenStack Swift
 * all-in-one (1 replica, tempauth, memcached) started by the project's own
 * starter, libs/backends/src/testing/servers/swift-aio.py, run from its path with Debian's
 * python3. When the starter or Swift is not available the comparison is
 * skipped with the reason; numbers are never made up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

export interface SwiftTarget {
  /** Headers of every object request (the auth token). */
  headers: Record<string, string>;
  /** Names of the 4 KiB objects `prepare` wrote. */
  smallNames: string[];
  objectUrl(name: string): string;
  /** Swift's own S3 API (s3api before tempauth): key `account:user`, secret the tempauth key, path-style. */
  s3: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  /** Writes `count` 4 KiB objects to read. */
  prepare(count: number): Promise<void>;
  remove(name: string): Promise<void>;
  stop(): Promise<void>;
}

const STARTER = resolve(__dirname, '..', '..', 'libs', 'backends', 'src', 'testing', 'servers', 'swift-aio.py');
const PYTHON = '/usr/bin/python3'; // Debian's: a pyenv python on PATH lacks the swift module
const CONTAINER = 'bench';
const START_TIMEOUT_MS = 60_000;

interface Ready {
  authUrl: string;
  s3Endpoint: string;
  user: string;
  key: string;
}

export async function startSwiftTarget(dir: string): Promise<SwiftTarget | { skipped: string }> {
  if (!existsSync(STARTER)) return { skipped: `the Swift starter is not available (${STARTER} is missing)` };
  if (!existsSync(PYTHON)) return { skipped: `${PYTHON} is missing` };
  mkdirSync(dir, { recursive: true });
  const child = spawn(PYTHON, [STARTER, '--dir', dir, '--container', CONTAINER], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM'); // the starter stops exactly the servers it started
    await Promise.race([exited, new Promise((ok) => setTimeout(ok, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  let ready: Ready;
  try {
    ready = await readyLine(child);
  } catch (err) {
    await stop();
    return { skipped: `Swift could not be started: ${(err as Error).message}` };
  }
  try {
    const auth = await fetch(ready.authUrl, { headers: { 'x-auth-user': ready.user, 'x-auth-key': ready.key } });
    await auth.arrayBuffer();
    const token = auth.headers.get('x-auth-token');
    const storageUrl = auth.headers.get('x-storage-url');
    if (auth.status >= 300 || !token || !storageUrl) throw new Error(`tempauth answered ${auth.status}`);
    const headers = { 'x-auth-token': token };
    const objectUrl = (name: string) => `${storageUrl}/${CONTAINER}/${name}`;
    const smallNames: string[] = [];
    return {
      headers,
      smallNames,
      objectUrl,
      s3: { endpoint: ready.s3Endpoint, bucket: CONTAINER, accessKeyId: ready.user, secretAccessKey: ready.key },
      async prepare(count) {
        const body = Buffer.alloc(4096, 7);
        for (let i = 0; i < count; i++) {
          const name = `g4k-${i}`;
          const res = await fetch(objectUrl(name), { method: 'PUT', headers, body });
          await res.arrayBuffer();
          if (res.status !== 201) throw new Error(`Swift PUT ${name}: HTTP ${res.status}`);
          smallNames.push(name);
        }
      },
      async remove(name) {
        await (await fetch(objectUrl(name), { method: 'DELETE', headers })).arrayBuffer();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function readyLine(child: ChildProcess): Promise<Ready> {
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`no ready line within ${START_TIMEOUT_MS} ms ${err.trim()}`)), START_TIMEOUT_MS);
    child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.trim().startsWith('{'));
      if (!line || !out.includes('\n')) return;
      clearTimeout(timer);
      // Keep draining so that the starter never blocks on a full pipe.
      child.stdout?.resume();
      try {
        ok(JSON.parse(line) as Ready);
      } catch (e) {
        fail(e as Error);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the starter exited with ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}
