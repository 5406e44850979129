import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { BadRequestError, PayloadTooLargeError } from '@mcos/common';
import { MAX_META_BYTES } from '@mcos/backends';

/**
 * The rules an object version's description must follow, checked at the
 * door (user API and peer API) before a byte of the body moves. The backends
 * check the same (and a little less) when they store it, but only once the
 * body is on its way to every replica: a bad value found there cost a whole
 * transfer and answered 503 (issue 13, point 7).
 */

/** Room the system metadata (timestamp, option, deleted, ...) takes out of the backends' MAX_META_BYTES. */
const SYSTEM_META_RESERVE = 512;
/** Most bytes of user metadata (names + UTF-8 values) an object may carry. */
export const MAX_USER_META_BYTES = MAX_META_BYTES - SYSTEM_META_RESERVE;
// The backends' own limits (libs/backends backend-rules.ts), repeated for the door's messages.
const MAX_CONTENT_TYPE_LENGTH = 255;
const MAX_META_NAME_LENGTH = 128;
const META_NAME = /^[a-z0-9-]+$/;
// C0 controls, DEL and C1 controls: CR/LF in a value was stored and then made every GET a 500
// (a header cannot carry it); none of them belongs in a header value.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const CONTENT_TYPE = /^[\x20-\x7e]+$/;

/** @throws BadRequestError naming the first problem of the content type or the user metadata. */
export function checkObjectMetadata(contentType: string | undefined, userMeta: Record<string, unknown>): void {
  if (contentType !== undefined) {
    if (typeof contentType !== 'string' || contentType.length > MAX_CONTENT_TYPE_LENGTH || !CONTENT_TYPE.test(contentType)) {
      throw new BadRequestError(`Content-Type must be 1-${MAX_CONTENT_TYPE_LENGTH} printable ASCII characters`);
    }
  }
  let total = 0;
  for (const [name, value] of Object.entries(userMeta)) {
    if (name.length > MAX_META_NAME_LENGTH || !META_NAME.test(name)) {
      throw new BadRequestError(`metadata name ${JSON.stringify(name.slice(0, 64))}: 1-${MAX_META_NAME_LENGTH} characters of a-z, 0-9 and "-"`);
    }
    if (typeof value !== 'string') throw new BadRequestError(`metadata ${name}: the value must be a string`);
    if (CONTROL.test(value)) throw new BadRequestError(`metadata ${name}: the value must not contain control characters (CR, LF, ...)`);
    if (LONE_SURROGATE.test(value)) throw new BadRequestError(`metadata ${name}: the value must be valid Unicode`);
    total += name.length + Buffer.byteLength(value, 'utf8');
    if (total > MAX_USER_META_BYTES) throw new BadRequestError(`metadata takes more than ${MAX_USER_META_BYTES} bytes (names and values)`);
  }
}

/** The error a body stream fails with once it passed its limit; the door answers 413 and closes the connection. */
export class BodyTooLargeError extends PayloadTooLargeError {}

/**
 * A pass-through that counts the bytes of a body as they stream and fails
 * (BodyTooLargeError) as soon as they exceed `maxBytes`: the limit holds for
 * chunked bodies too, which carry no Content-Length to check up front. The
 * failure aborts every replica's write, so nothing is stored.
 */
export function limitBody(source: Readable, maxBytes: number, onTooLarge?: () => void): Readable {
  let seen = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        onTooLarge?.();
        done(new BodyTooLargeError(`the body passed ${maxBytes} bytes, the largest accepted`));
        return;
      }
      done(null, chunk);
    },
  });
  source.once('error', (err) => limited.destroy(err));
  limited.once('close', () => {
    if (!source.readableEnded) source.unpipe(limited);
  });
  return source.pipe(limited);
}
