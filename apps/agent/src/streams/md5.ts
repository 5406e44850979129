import { createHash, type Hash } from 'node:crypto';

/**
 * The MD5 of a stream of bytes, fed chunk by chunk. Implementations may hash
 * on another thread: then `update` copies the chunk and returns false once
 * too many bytes wait to be hashed, and the feeder waits for `whenDrained`
 * (that is the backpressure that keeps memory bounded).
 */
export interface Md5Stream {
  /** Feeds the next bytes; false when the caller should wait for `whenDrained` before feeding more. */
  update(chunk: Buffer): boolean;
  /** Calls `resume` once the bytes waiting to be hashed are few again (at once if they are). */
  whenDrained(resume: () => void): void;
  /** Lower-case hex MD5 of everything fed. Call once, after the last `update`. */
  digest(): Promise<string>;
  /** Forgets the stream (its body failed); `digest` must not be called after. Idempotent. */
  abort(): void;
}

/** Opens an Md5Stream for a body of `expectedBytes` (undefined: not known). */
export type Md5Source = (expectedBytes?: number) => Md5Stream;

/** Hashes on the calling thread: cheapest for small bodies, and the default where no worker is wired. */
export class InlineMd5 implements Md5Stream {
  private readonly hash: Hash = createHash('md5');

  update(chunk: Buffer): boolean {
    this.hash.update(chunk);
    return true;
  }

  whenDrained(resume: () => void): void {
    resume();
  }

  async digest(): Promise<string> {
    return this.hash.digest('hex');
  }

  abort(): void {}
}

export const inlineMd5: Md5Source = () => new InlineMd5();

/** Feeds `chunk` and calls `next` when more may be fed: the one backpressure step of every hashing stream. */
export function feedMd5(md5: Md5Stream, chunk: Buffer, next: () => void): void {
  if (md5.update(chunk)) next();
  else md5.whenDrained(next);
}

/** DI token of the agent's Md5Source (the MD5 worker's where configured, inline otherwise). */
export const MD5_SOURCE = Symbol('Md5Source');
