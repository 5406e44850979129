import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { InlineMd5 } from './md5';
import { Md5Worker } from './md5-worker';
import { hashThrough } from './hash-through';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('hashThrough', () => {
  const worker = new Md5Worker();
  afterAll(() => worker.close());

  it.each([
    ['inline', () => new InlineMd5()],
    ['on the worker', () => worker.open()],
  ])('passes the bytes through and settles the MD5 before the end (%s)', async (_how, open) => {
    const parts = Array.from({ length: 20 }, () => randomBytes(100_000));
    const { body, digest } = hashThrough(Readable.from(parts), open());
    let settledBeforeEnd = false;
    let digestValue: string | undefined;
    void digest.then((d) => (digestValue = d));
    body.on('end', () => (settledBeforeEnd = digestValue !== undefined));
    expect((await readAll(body)).equals(Buffer.concat(parts))).toBe(true);
    expect(settledBeforeEnd).toBe(true);
    expect(await digest).toBe(parts.reduce((h, p) => h.update(p), createHash('md5')).digest('hex'));
  });

  it('rejects the MD5 and fails the body when the source fails, and releases the hash', async () => {
    const source = new PassThrough();
    const { body, digest } = hashThrough(source, worker.open());
    source.write(Buffer.alloc(1000));
    setTimeout(() => source.destroy(new Error('peer connection reset')), 10);
    await expect(readAll(body)).rejects.toThrow('peer connection reset');
    await expect(digest).rejects.toThrow('peer connection reset');
    expect(worker.openStreams).toBe(0);
  });

  it('stops the source when the consumer gives up', async () => {
    const source = new PassThrough();
    const { body, digest } = hashThrough(source, worker.open());
    source.write(Buffer.alloc(1000));
    body.destroy(new Error('disk full'));
    await expect(digest).rejects.toThrow('disk full');
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});
