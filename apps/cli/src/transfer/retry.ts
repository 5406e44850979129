import { ApiError, CliError, ExitCode } from '../errors/cli.error';

/** Attempts per part or range: the first and two retries. */
export const ATTEMPTS = 3;

/**
 * Whether a failed part or range is worth sending again: the agent could not
 * be reached, broke the connection or answered 5xx. A 4xx answer (a refused
 * request, a missing upload, a changed object) will not change on retry.
 */
export function retryable(error: unknown): boolean {
  if (error instanceof ApiError) return error.status >= 500;
  if (error instanceof CliError) return error.exitCode === ExitCode.server;
  return true;
}

/** Runs `attempt` up to ATTEMPTS times while it fails retryably and `signal` is not aborted. */
export async function withRetries<T>(signal: AbortSignal, attempt: (n: number) => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= ATTEMPTS || signal.aborted || !retryable(error)) throw error;
    }
  }
}
