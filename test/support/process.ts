import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';

export interface SpawnNodeOptions {
  /** Extra arguments after the script. */
  args?: string[];
  /** Environment of the child; MCOS* variables of the test process are never inherited. */
  env?: Record<string, string>;
  cwd?: string;
  /** File receiving the child's stdout and stderr (kept for post-mortems). */
  logFile?: string;
  /** Name used in messages. */
  name?: string;
}

const TAIL_LINES = 200;

/**
 * A node process started by a test: its output goes to a log file and a
 * short in-memory tail; it is stopped by PID (SIGTERM, then SIGKILL).
 */
export class NodeProcess {
  readonly pid: number;
  readonly name: string;
  private readonly tail: string[] = [];
  private partial = '';
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;
  private readonly log?: WriteStream;

  private constructor(
    private readonly child: ChildProcess,
    options: SpawnNodeOptions,
  ) {
    if (child.pid === undefined) throw new Error(`could not start ${options.name ?? 'process'}`);
    this.pid = child.pid;
    this.name = options.name ?? `node ${child.pid}`;
    this.log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    const collect = (chunk: Buffer): void => {
      this.log?.write(chunk);
      const text = this.partial + chunk.toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      this.tail.push(...lines);
      if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve();
      });
    });
  }

  /** Starts `node <script> [args]` with its own environment and working directory. */
  static start(script: string, options: SpawnNodeOptions = {}): NodeProcess {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MCOS')));
    const child = spawn(process.execPath, [script, ...(options.args ?? [])], {
      cwd: options.cwd,
      env: { ...inherited, ...options.env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new NodeProcess(child, options);
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Exit code (-1 when killed by a signal), or undefined while running. */
  get code(): number | null | undefined {
    return this.exitCode;
  }

  /** The last lines the process printed. */
  output(): string {
    return [...this.tail, this.partial].join('\n');
  }

  /** Resolves when the process exits; rejects after `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000): Promise<number | null | undefined> {
    if (!(await settlesWithin(this.exited, timeoutMs))) throw new Error(`${this.name} did not exit within ${timeoutMs} ms`);
    return this.exitCode;
  }

  /** SIGTERM, then SIGKILL if still running after `timeoutMs`; resolves once it has exited. */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (!this.running) return;
    signal(this.pid, 'SIGTERM');
    if (await settlesWithin(this.exited, timeoutMs)) return this.closeLog();
    signal(this.pid, 'SIGKILL');
    await settlesWithin(this.exited, 5_000);
    await this.closeLog();
  }

  private closeLog(): Promise<void> {
    return new Promise((resolve) => (this.log ? this.log.end(resolve) : resolve()));
  }
}

/**
 * Stops a process by PID (one this test started, e.g. from a pid file):
 * SIGTERM, wait up to `timeoutMs` for it to go, then SIGKILL.
 */
export async function stopPid(pid: number, timeoutMs = 5_000): Promise<void> {
  if (!alive(pid)) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (alive(pid) && Date.now() < killDeadline) await sleep(50);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a process with this PID exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([promise.then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}
