import { Transform, TransformCallback } from 'node:stream';
import { feedMd5, InlineMd5, type Md5Stream } from './md5';

/** The bytes read did not match the stored ETag: the replica is corrupt. */
export class ChecksumMismatchError extends Error {
  readonly code = 'CHECKSUM_MISMATCH';
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`content MD5 ${actual} does not match the stored ETag ${expected}`);
  }
}

/**
 * Passes a whole object through while computing its MD5, always holding the
 * latest chunk back until the next one arrives. At the end the last chunk is
 * released only if the MD5 matches; otherwise the stream fails. So a reader
 * of a corrupt replica never receives the complete body: with a
 * Content-Length the response is visibly cut short instead of silently wrong.
 */
export function verifyMd5(expected: string, onMismatch?: (err: ChecksumMismatchError) => void, md5: Md5Stream = new InlineMd5()): Transform {
  let held: Buffer | undefined;
  let finished = false;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      const out = held;
      held = chunk;
      if (out) this.push(out);
      feedMd5(md5, chunk, () => done());
    },
    flush(done: TransformCallback) {
      finished = true;
      md5.digest().then(
        (actual) => {
          if (actual !== expected) {
            const err = new ChecksumMismatchError(expected, actual);
            onMismatch?.(err);
            done(err);
            return;
          }
          done(null, held);
        },
        (err: Error) => done(err),
      );
    },
    destroy(err, callback) {
      if (!finished) md5.abort();
      finished = true;
      callback(err);
    },
  });
}
