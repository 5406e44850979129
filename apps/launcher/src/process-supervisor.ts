import { describeProcessExit, type ProcessExit } from './managed-process';
import { diedUnexpectedly, RestartBackoff } from './restart-policy';

/** What the supervisor needs of a cluster process (ManagedProcess; a fake in tests). */
export interface SupervisedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly exited: Promise<ProcessExit>;
  /** How it ended, e.g. "was killed by SIGKILL". */
  describeExit(): string | undefined;
  /** The last lines of its log. */
  tail(lines?: number): string;
  /** Appends a launcher's line to its log, so the log itself says why it stopped. */
  note(line: string): void;
}

/** The clock and timer the supervisor waits with; tests pass a fake one. */
export interface SupervisorTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_TIMERS: SupervisorTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface SupervisorOptions<P extends SupervisedProcess> {
  /** Starts the process again (same name, config and log). */
  respawn: () => P;
  /** Called with each new process as soon as it is spawned (the cluster keeps its slot and state file up to date). */
  replaced: (child: P) => void;
  log: (line: string) => void;
  /** False (--no-restart): report the death and carry on without the process. */
  restart: boolean;
  timers?: SupervisorTimers;
  backoff?: RestartBackoff;
}

/** How many lines of the dead process's log the report quotes. */
const TAIL_LINES = 5;

/**
 * Watches one cluster process after the cluster is ready, and starts it
 * again when it dies unexpectedly (a crash, an out-of-memory kill, SIGKILL),
 * after the back-off's wait; each death and restart is logged with the
 * reason. A process stopped on purpose (exit code 0, SIGTERM) is left
 * stopped. After stop() (the launcher is stopping) nothing restarts.
 */
export class ProcessSupervisor<P extends SupervisedProcess> {
  private current: P;
  private startedAt: number;
  private pending?: unknown;
  private stopped = false;
  private restarts = 0;
  private resolveGaveUp!: () => void;
  /** Resolves when the process is down for good (stopped on purpose, or --no-restart). */
  readonly gaveUp = new Promise<void>((resolve) => (this.resolveGaveUp = resolve));
  private readonly timers: SupervisorTimers;
  private readonly backoff: RestartBackoff;

  constructor(
    first: P,
    private readonly options: SupervisorOptions<P>,
  ) {
    this.timers = options.timers ?? SYSTEM_TIMERS;
    this.backoff = options.backoff ?? new RestartBackoff();
    this.current = first;
    this.startedAt = this.timers.now();
    this.watch(first);
  }

  /** The process now (a restart replaces it). */
  get process(): P {
    return this.current;
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** True while a restart waits for its back-off. */
  get restartPending(): boolean {
    return this.pending !== undefined;
  }

  /** No more restarts: a pending one is cancelled. Idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.pending !== undefined) this.timers.clearTimeout(this.pending);
    this.pending = undefined;
  }

  private watch(child: P): void {
    void child.exited.then((exit) => this.died(child, exit));
  }

  private died(child: P, exit: ProcessExit): void {
    if (this.stopped || child !== this.current) return;
    const why = `${child.name} (pid ${child.pid}) ${child.describeExit() ?? describeProcessExit(exit)}`;
    const tail = child.tail(TAIL_LINES);
    const logEnd = `The end of its log (${child.logFile}):\n${tail}`;
    if (!this.options.restart) {
      this.options.log(`${why}; the others carry on (--no-restart). ${logEnd}`);
      this.resolveGaveUp();
      return;
    }
    if (!diedUnexpectedly(exit)) {
      this.options.log(`${why}: stopped on purpose, so it is not restarted; the others carry on.`);
      child.note(`the launcher saw it stop on purpose (${describeProcessExit(exit)}) and does not restart it`);
      this.resolveGaveUp();
      return;
    }
    const uptime = this.timers.now() - this.startedAt;
    this.schedule(`${why} after ${seconds(uptime)}`, this.backoff.delayAfter(uptime), logEnd);
  }

  private schedule(why: string, delay: number, detail: string): void {
    const restart = this.restarts + 1;
    this.options.log(`${why}; restarting it in ${seconds(delay)} (restart ${restart}).${detail ? ` ${detail}` : ''}`);
    this.current.note(`${why}; the launcher restarts it in ${seconds(delay)} (restart ${restart})`);
    this.pending = this.timers.setTimeout(() => this.restart(), delay);
  }

  private restart(): void {
    this.pending = undefined;
    if (this.stopped) return;
    const previous = this.current;
    let next: P;
    try {
      next = this.options.respawn();
    } catch (error) {
      // Spawning itself failed (e.g. the script is gone): keep trying, with the same back-off.
      this.schedule(`could not restart ${previous.name} (${error instanceof Error ? error.message : String(error)})`, this.backoff.delayAfter(0), '');
      return;
    }
    this.restarts += 1;
    this.current = next;
    this.startedAt = this.timers.now();
    this.options.replaced(next);
    this.options.log(`${next.name} restarted (pid ${next.pid}, restart ${this.restarts})`);
    this.watch(next);
  }
}

/** 1000 -> "1 s", 2500 -> "2.5 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
