import { sleep } from './process';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Said in the timeout error. */
  description?: string;
  /** Checked on every round: throwing stops the wait (e.g. "the process died"). */
  abortIf?: () => string | undefined;
}

/**
 * Polls `probe` until it returns a value other than undefined/false, and
 * returns that value.
 * @throws after `timeoutMs`, with the description and the last probe error.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const abort = options.abortIf?.();
    if (abort) throw new Error(`${options.description ?? 'wait'}: ${abort}`);
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.description ?? 'condition'}${why}`);
    }
    await sleep(intervalMs);
  }
}

/** Waits until `url` answers HTTP with a status below 500 (any answer means it is up). */
export async function waitForHttp(url: string, options: WaitOptions = {}): Promise<void> {
  await waitFor(
    async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      return response.status < 500;
    },
    { description: `${url} to answer`, ...options },
  );
}
