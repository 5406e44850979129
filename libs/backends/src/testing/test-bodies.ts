import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;

/** A body of `size` random bytes produced chunk by chunk (never held whole); `md5()` is valid once it was read. */
export function generatedBody(size: number, chunkSize = CHUNK): { body: Readable; md5(): string } {
  const hash = createHash('md5');
  let digest: string | undefined;
  async function* gen() {
    for (let left = size; left > 0; left -= chunkSize) {
      const chunk = randomBytes(Math.min(chunkSize, left));
      hash.update(chunk);
      yield chunk;
    }
    digest = hash.digest('hex');
  }
  return {
    body: Readable.from(gen(), { objectMode: false }),
    md5() {
      if (digest === undefined) throw new Error('generated body not fully read yet');
      return digest;
    },
  };
}

/** Yields `okBytes` random bytes, then fails with `error`. */
export function failingBody(okBytes: number, error = new Error('client went away')): Readable {
  async function* gen() {
    for (let left = okBytes; left > 0; left -= CHUNK) yield randomBytes(Math.min(CHUNK, left));
    throw error;
  }
  return Readable.from(gen(), { objectMode: false });
}

export function bodyOf(data: Buffer | string): Readable {
  return Readable.from([Buffer.from(data)], { objectMode: false });
}

/** Size and MD5 of a stream, without keeping it. */
export async function digestStream(stream: Readable): Promise<{ size: number; md5: string }> {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, md5: hash.digest('hex') };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

export function md5Of(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}
