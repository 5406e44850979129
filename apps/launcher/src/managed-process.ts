import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { pidAlive, signalPid, sleep } from './processes';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** File of settings, passed as MCOS_CONFIG. */
  configFile: string;
  /** The child's stdout and stderr are appended here. */
  logFile: string;
  cwd: string;
}

/**
 * One cluster process (controller or agent): `node <script>` with its own
 * config file, output appended to its log file, in its own process group so
 * a Ctrl-C in the terminal reaches only the launcher, which then stops the
 * children in order.
 */
export class ManagedProcess {
  readonly exited: Promise<ProcessExit>;
  private exit?: ProcessExit;

  private constructor(
    readonly name: string,
    readonly pid: number,
    readonly logFile: string,
    exited: Promise<ProcessExit>,
  ) {
    this.exited = exited.then((exit) => (this.exit = exit));
  }

  static spawn(name: string, script: string, options: SpawnOptions): ManagedProcess {
    const log = openSync(options.logFile, 'a');
    writeSync(log, `\n===== ${new Date().toISOString()} ${name} started by the MCOS launcher =====\n`);
    // The launcher's own MCOS_* settings are not the child's: it gets exactly its file.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MCOS')));
    try {
      const child = spawn(process.execPath, [script], {
        cwd: options.cwd,
        env: { ...env, MCOS_CONFIG: options.configFile },
        stdio: ['ignore', log, log],
        detached: true,
      });
      if (child.pid === undefined) throw new Error(`could not start ${name} (node ${script})`);
      const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      return new ManagedProcess(name, child.pid, options.logFile, exited);
    } finally {
      closeSync(log);
    }
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** How it ended, e.g. "exited with code 1" (undefined while running). */
  describeExit(): string | undefined {
    return this.exit && describeProcessExit(this.exit);
  }

  /** Appends one launcher line to its log file (why it stopped, that it restarts). */
  note(line: string): void {
    try {
      appendFileSync(this.logFile, `===== ${new Date().toISOString()} launcher: ${line} =====\n`);
    } catch {
      // The log is a convenience: the launcher's stderr says the same.
    }
  }

  /** SIGTERM (an agent deregisters, the controller drains), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.running) return;
    signalPid(this.pid, 'SIGTERM');
    if (await this.exitsWithin(timeoutMs)) return;
    this.kill();
    await this.exitsWithin(5_000);
  }

  kill(): void {
    if (this.running) signalPid(this.pid, 'SIGKILL');
  }

  /** The last lines of its log file. */
  tail(lines = 30): string {
    return tailOf(this.logFile, lines);
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const done = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    // A process can be gone while its exit event is still queued.
    if (!done && !pidAlive(this.pid)) await sleep(50);
    return done || !pidAlive(this.pid);
  }
}

/** "exited with code 1", "was killed by SIGKILL". */
export function describeProcessExit(exit: ProcessExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** The last `lines` lines of a file (reads at most its last 64 KiB). */
export function tailOf(file: string, lines: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
