import type { ProcessExit } from './managed-process';

export interface RestartBackoffOptions {
  /** Wait before the first restart. */
  initialDelayMs: number;
  /** The wait doubles after each restart up to this. */
  maxDelayMs: number;
  /** A process that ran this long before dying was healthy: the wait starts over. */
  healthyAfterMs: number;
}

/** 1 s, 2 s, 4 s, ... 30 s; back to 1 s once a process ran for a minute. */
export const DEFAULT_RESTART_BACKOFF: RestartBackoffOptions = { initialDelayMs: 1_000, maxDelayMs: 30_000, healthyAfterMs: 60_000 };

/**
 * Signals someone sends to stop a process on purpose (`kill <pid>`, a
 * terminal hang-up): like systemd's `Restart=on-failure`, such an exit, or
 * exit code 0, is not a failure and is not restarted.
 */
const DELIBERATE_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** True when a child that ended this way (while the launcher did not stop it) died unexpectedly. */
export function diedUnexpectedly(exit: ProcessExit): boolean {
  if (exit.signal) return !DELIBERATE_SIGNALS.includes(exit.signal);
  return exit.code !== 0;
}

/**
 * The wait before restarting one process: doubles with each consecutive
 * failure, up to a ceiling, and starts over after a healthy run. Pure (the
 * caller passes how long the process ran), so it is tested without a clock.
 */
export class RestartBackoff {
  private consecutive = 0;

  constructor(private readonly options: RestartBackoffOptions = DEFAULT_RESTART_BACKOFF) {}

  /** The wait before the next start of a process that ran `uptimeMs` before it died. */
  delayAfter(uptimeMs: number): number {
    if (uptimeMs >= this.options.healthyAfterMs) this.consecutive = 0;
    // Past the ceiling the exponent no longer matters; capping it keeps 2 ** n finite.
    const delay = Math.min(this.options.initialDelayMs * 2 ** Math.min(this.consecutive, 30), this.options.maxDelayMs);
    this.consecutive += 1;
    return delay;
  }
}
