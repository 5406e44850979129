/**
 * The data benchmark's own cluster: the built controller and three agents on
 * fs backends, each in a private directory under `root`, on free loopback
 * ports. Only the processes started here are ever signalled (by PID).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

const DIST = resolve(__dirname, '..');
const JOIN_TOKEN = 'bench-join-token-0123456789';
export const BENCH_ADMIN = { username: 'admin', password: 'bench-admin-password' } as const;

/** A node child process writing to a log file, stopped by PID: SIGTERM, then SIGKILL. */
export class BenchProcess {
  private exited = false;
  private readonly done: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.done = new Promise((ok) => child.once('exit', () => ok()));
    void this.done.then(() => (this.exited = true));
  }

  static start(name: string, script: string, env: Record<string, string>, cwd: string, logFile: string, nodeArgs: string[] = []): BenchProcess {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MCOS') && k !== 'NODE_OPTIONS'));
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, [...nodeArgs, script], { cwd, env: { ...inherited, ...env }, stdio: ['ignore', log, log] });
    closeSync(log);
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    return new BenchProcess(name, child, logFile);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** The last lines of its log (for error messages). */
  tail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    if (await within(this.done, timeoutMs)) return;
    this.child.kill('SIGKILL');
    await within(this.done, 5_000);
  }
}

export interface BenchAgent {
  name: string;
  url: string;
  /** Its S3 listener (`--api s3`). */
  s3Url?: string;
  process: BenchProcess;
}

/** Controller + agents; `stop()` stops exactly these processes. */
export class BenchCluster {
  readonly agents: BenchAgent[] = [];
  private controller?: BenchProcess;
  controllerUrl = '';

  /**
   * Starts the cluster under `root` and waits until every agent serves the
   * user API. `agentNodeArgs` (e.g. `--cpu-prof --cpu-prof-dir=DIR`, which
   * NODE_OPTIONS does not accept) go to the agents' node command line only;
   * `agentSettings` are added to every agent's config; `withS3` gives each
   * agent an S3 listener on a free port. On failure, what was started is
   * stopped.
   */
  static async start(root: string, agentNodeArgs: string[] = [], count = 3, agentSettings: Record<string, unknown> = {}, withS3 = false): Promise<BenchCluster> {
    const cluster = new BenchCluster();
    try {
      await cluster.launch(root, agentNodeArgs, count, agentSettings, withS3);
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.process.stop()));
    await this.controller?.stop();
  }

  private async launch(root: string, agentNodeArgs: string[], count: number, agentSettings: Record<string, unknown>, withS3: boolean): Promise<void> {
    const dir = join(root, 'controller');
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const config = join(dir, 'controller.yaml');
    writeFileSync(
      config,
      stringify({
        host: '127.0.0.1',
        port,
        database: { type: 'sqlite', path: join(dir, 'controller.sqlite') },
        expectedServices: count,
        pollIntervalMs: 1000,
        joinToken: JOIN_TOKEN,
        bootstrapAdmin: { ...BENCH_ADMIN },
        logLevel: 'info',
      }),
    );
    this.controller = BenchProcess.start('controller', join(DIST, 'apps/controller/src/main.js'), { MCOS_CONFIG: config }, dir, join(dir, 'controller.log'));
    this.controllerUrl = `http://127.0.0.1:${port}`;
    await waitUntil(`${this.controllerUrl}/health`, (s) => s < 500, this.controller);

    for (let i = 1; i <= count; i++) {
      const name = `bench-${i}`;
      const agentDir = join(root, name);
      mkdirSync(agentDir, { recursive: true });
      const agentPort = await freePort();
      const s3Port = withS3 ? await freePort() : undefined;
      const agentConfig = join(agentDir, 'agent.yaml');
      writeFileSync(
        agentConfig,
        stringify({
          name,
          region: `region-${i}`,
          host: '127.0.0.1',
          port: agentPort,
          controllerUrl: this.controllerUrl,
          joinToken: JOIN_TOKEN,
          dataDir: join(agentDir, 'data'),
          backend: { type: 'fs' },
          registerRetryMs: 300,
          peerProbeIntervalMs: 1000,
          logLevel: 'info',
          ...(s3Port ? { s3: { host: '127.0.0.1', port: s3Port } } : {}),
          ...agentSettings,
        }),
      );
      const env = { MCOS_CONFIG: agentConfig };
      const proc = BenchProcess.start(`agent ${name}`, join(DIST, 'apps/agent/src/main.js'), env, agentDir, join(agentDir, 'agent.log'), agentNodeArgs);
      this.agents.push({ name, url: `http://127.0.0.1:${agentPort}`, ...(s3Port ? { s3Url: `http://127.0.0.1:${s3Port}` } : {}), process: proc });
    }
    // Serving = holds a ring: any answer but 503 on the user API.
    await Promise.all(this.agents.map((a) => waitUntil(`${a.url}/v1/containers`, (s) => s !== 503, a.process, 60_000)));
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => ok(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Polls `url` until `accept(status)`; fails early when `proc` exits. */
async function waitUntil(url: string, accept: (status: number) => boolean, proc: BenchProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.running) throw new Error(`${proc.name} exited during start-up:\n${proc.tail()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (accept(res.status)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${proc.name} not ready after ${timeoutMs} ms (${url}):\n${proc.tail()}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((ok) => (timer = setTimeout(() => ok(false), ms)));
  const settled = await Promise.race([promise.then(() => true as const), timeout]);
  clearTimeout(timer);
  return settled;
}
