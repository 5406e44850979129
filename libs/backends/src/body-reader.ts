import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';

import { BodyStreamError } from './backend.errors';

/**
 * Reads a `put` body once, computing MD5 and length on the way (or taking
 * the MD5 from the caller, see `PutOptions.knownMd5`), and tells
 * the body's own failures (→ `BodyStreamError`) apart from the driver's
 * write failures: only errors raised while pulling from the body are
 * wrapped; whatever the consumer's loop throws passes through untouched
 * (and ends the iteration, which destroys the body).
 */
export class BodyReader {
  private readonly md5 = createHash('md5');
  private count = 0;
  private done = false;
  private exhausted = false;
  private hexDigest?: string;

  constructor(
    private readonly body: Readable,
    private readonly expectedSize?: number,
    private readonly knownMd5?: PromiseLike<string>,
  ) {}

  get bytes(): number {
    return this.count;
  }

  /** Lower-case hex MD5; only valid after `chunks()` completed. May be asked again. */
  etag(): string {
    if (!this.done) throw new Error('BodyReader.etag() before the body was fully read');
    this.hexDigest ??= this.md5.digest('hex');
    return this.hexDigest;
  }

  async *chunks(): AsyncGenerator<Buffer> {
    const it = this.body[Symbol.asyncIterator]();
    try {
      for (;;) {
        let next: IteratorResult<unknown>;
        try {
          next = await it.next();
        } catch (err) {
          throw new BodyStreamError(`body stream failed after ${this.count} bytes: ${(err as Error)?.message ?? err}`, { cause: err });
        }
        if (next.done) {
          this.exhausted = true;
          break;
        }
        const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : (next.value as Buffer);
        this.count += chunk.length;
        if (this.expectedSize !== undefined && this.count > this.expectedSize) {
          throw new BodyStreamError(`body is longer than the announced ${this.expectedSize} bytes`);
        }
        if (this.knownMd5 === undefined) this.md5.update(chunk);
        yield chunk;
      }
    } finally {
      // Ending early (consumer error) must release the body, not leave it paused.
      if (!this.exhausted) await it.return?.();
    }
    if (this.expectedSize !== undefined && this.count !== this.expectedSize) {
      throw new BodyStreamError(`body ended after ${this.count} bytes, ${this.expectedSize} announced`);
    }
    if (this.knownMd5 !== undefined) {
      try {
        this.hexDigest = await this.knownMd5;
      } catch (err) {
        throw new BodyStreamError(`body failed: ${(err as Error)?.message ?? err}`, { cause: err });
      }
      if (!/^[0-9a-f]{32}$/.test(this.hexDigest)) throw new BodyStreamError(`known MD5 ${JSON.stringify(this.hexDigest)} is not lower-case hex`);
    }
    this.done = true;
  }
}

/**
 * Passes through `length` bytes after skipping `skip`, then ends and
 * destroys the source. Used where a server ignored or widened a Range
 * request.
 */
export function sliceStream(source: Readable, skip: number, length: number): Readable {
  let toSkip = skip;
  let left = length;
  const onSourceError = (err: Error) => slicer.destroy(err);
  const finish = (slicer: Transform) => {
    slicer.push(null);
    // Errors of a source we abandon on purpose are noise, not failures.
    source.off('error', onSourceError);
    source.on('error', () => undefined);
    source.unpipe(slicer);
    source.destroy();
  };
  const slicer: Transform = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      if (left === 0) return cb();
      let c = chunk;
      if (toSkip > 0) {
        const n = Math.min(toSkip, c.length);
        toSkip -= n;
        c = c.subarray(n);
      }
      if (c.length > 0) {
        const part = c.subarray(0, left);
        left -= part.length;
        this.push(part);
        if (left === 0) finish(this);
      }
      cb();
    },
  });
  source.on('error', onSourceError);
  if (length === 0) {
    finish(slicer);
    return slicer;
  }
  return source.pipe(slicer);
}
