import type { ChildProcess } from 'node:child_process';

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
