import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

export const EMPTY_MD5 = createHash('md5').digest('hex');

export function emptyBody(): Readable {
  return Readable.from([], { objectMode: false });
}
