import { pipeline, Readable, Transform } from 'node:stream';
import { feedMd5, type Md5Stream } from './md5';

/**
 * Passes `source` through unchanged while `md5` hashes it; `digest` settles
 * before the returned stream ends (rejects if it fails or is destroyed), so
 * it can be handed to a backend as `PutOptions.knownMd5`.
 */
export function hashThrough(source: Readable, md5: Md5Stream): { body: Readable; digest: Promise<string> } {
  let settle!: { resolve: (md5: string) => void; reject: (err: Error) => void };
  const digest = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  digest.catch(() => undefined); // the body's consumer sees the same failure
  let finished = false;
  const body = new Transform({
    transform(chunk: Buffer, _enc, done) {
      feedMd5(md5, chunk, () => done(null, chunk));
    },
    flush(done) {
      finished = true;
      md5.digest().then(
        (hex) => {
          settle.resolve(hex);
          done();
        },
        (err: Error) => {
          settle.reject(err);
          done(err);
        },
      );
    },
    destroy(err, callback) {
      if (!finished) {
        finished = true;
        md5.abort();
        settle.reject(err ?? new Error('body closed before its end'));
      }
      callback(err);
    },
  });
  pipeline(source, body, () => undefined); // errors reach `body`'s consumer; a failed consumer stops `source`
  return { body, digest };
}
