import { readFileSync } from 'node:fs';

/** True while a process with this PID exists (and we may signal it). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The command line of a process, or undefined where /proc does not tell
 * (not Linux, or gone). Used to make sure a PID from an old state file is
 * still one of ours before signalling it.
 */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves when the PID is gone. */
export async function stopPid(pid: number, timeoutMs: number): Promise<void> {
  signalPid(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(50);
  if (!pidAlive(pid)) return;
  signalPid(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (pidAlive(pid) && Date.now() < killDeadline) await sleep(50);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
