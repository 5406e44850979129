import { PassThrough, Readable } from 'node:stream';
import { InlineMd5, type Md5Stream } from './md5';

export interface FanOut {
  /** One readable per consumer; each sees every byte of the source. */
  branches: PassThrough[];
  /** Resolves when the source ended: its MD5 (hex) and length. */
  digest: Promise<{ md5: string; size: number }>;
  /** Stops feeding one branch (its consumer failed); the others go on. */
  drop(index: number, reason: Error): void;
}

/**
 * Copies one source stream to N consumers at once without buffering the
 * whole body: the source is paused while any live branch is over its
 * high-water mark, so memory stays at about N x highWaterMark whatever the
 * object's size, and the slowest consumer sets the pace. The MD5 is computed
 * on the way by `md5` (on a worker thread for large bodies), which paces the
 * source like one more consumer. When every branch has been dropped the
 * source is destroyed.
 */
export function fanOut(source: Readable, count: number, opts: { md5?: Md5Stream; highWaterMark?: number } = {}): FanOut {
  const { md5 = new InlineMd5(), highWaterMark = 1 << 20 } = opts;
  const branches = Array.from({ length: count }, () => {
    const branch = new PassThrough({ highWaterMark });
    // A failed source destroys every branch with its error, also one whose consumer has not
    // attached its own listener yet (still waiting for a lock) or has gone: without this the
    // error is unhandled and ends the process. Consumers still get the error on their own listeners.
    branch.on('error', () => undefined);
    return branch;
  });
  const live = new Set(branches);
  let size = 0;
  let waiting = 0;
  let hashed = false;

  const resumeWhenDrained = (branch: PassThrough) => {
    const onDrain = () => {
      branch.off('close', onDrain);
      branch.off('drain', onDrain);
      if (--waiting === 0 && live.size > 0) source.resume();
    };
    waiting++;
    branch.once('drain', onDrain);
    branch.once('close', onDrain);
  };

  const resumeWhenHashed = () => {
    waiting++;
    md5.whenDrained(() => {
      if (--waiting === 0 && live.size > 0) source.resume();
    });
  };

  const digest = new Promise<{ md5: string; size: number }>((resolve, reject) => {
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!md5.update(chunk)) resumeWhenHashed();
      for (const b of live) if (!b.write(chunk)) resumeWhenDrained(b);
      if (waiting > 0) source.pause();
    });
    source.once('end', () => {
      for (const b of live) b.end();
      hashed = true;
      md5.digest().then((hex) => resolve({ md5: hex, size }), reject);
    });
    const fail = (err: Error) => {
      for (const b of live) b.destroy(err);
      if (!hashed) md5.abort();
      hashed = true;
      reject(err);
    };
    source.once('error', fail);
    source.once('close', () => {
      if (!source.readableEnded) fail(new Error('request body closed before its end'));
    });
  });
  // A rejected digest is reported by the caller; never an unhandled rejection.
  digest.catch(() => undefined);

  const drop = (index: number, reason: Error) => {
    const b = branches[index];
    if (!live.delete(b)) return;
    // The branch's consumer already failed and holds its own error; destroy
    // quietly so nobody has to listen for a second one.
    b.destroy();
    if (live.size === 0) source.destroy(reason);
  };

  return { branches, digest, drop };
}
