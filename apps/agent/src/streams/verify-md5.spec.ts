import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InlineMd5, type Md5Stream } from './md5';
import { Md5Worker } from './md5-worker';
import { ChecksumMismatchError, verifyMd5 } from './verify-md5';

const worker = new Md5Worker();
afterAll(() => worker.close());

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

async function run(chunks: Buffer[], expected: string, hasher: Md5Stream): Promise<{ received: Buffer; error?: Error }> {
  const got: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      got.push(c);
      cb();
    },
  });
  try {
    await pipeline(Readable.from(chunks), verifyMd5(expected, undefined, hasher), sink);
    return { received: Buffer.concat(got) };
  } catch (error) {
    return { received: Buffer.concat(got), error: error as Error };
  }
}

describe.each([
  ['inline', () => new InlineMd5()],
  ['on the worker', () => worker.open()],
])('verifyMd5, MD5 %s', (_how, hasher: () => Md5Stream) => {
  it('passes a matching body through unchanged', async () => {
    const parts = [Buffer.from('hello '), Buffer.from('world'), Buffer.from('!')];
    const r = await run(parts, md5(Buffer.concat(parts)), hasher());
    expect(r.error).toBeUndefined();
    expect(r.received.toString()).toBe('hello world!');
  });

  it('never delivers the whole of a corrupt body', async () => {
    const parts = [Buffer.from('hello '), Buffer.from('world')];
    let reported: ChecksumMismatchError | undefined;
    const got: Buffer[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (got.push(c), cb()) });
    await expect(pipeline(Readable.from(parts), verifyMd5(md5(Buffer.from('hello there')), (e) => (reported = e), hasher()), sink)).rejects.toBeInstanceOf(
      ChecksumMismatchError,
    );
    expect(Buffer.concat(got).toString()).toBe('hello ');
    expect(reported).toBeInstanceOf(ChecksumMismatchError);
  });

  it('verifies an empty body', async () => {
    expect((await run([], md5(Buffer.alloc(0)), hasher())).error).toBeUndefined();
  });

  it('passes a large body through in order', async () => {
    const parts = Array.from({ length: 40 }, (_, i) => Buffer.alloc(256 * 1024, i));
    const r = await run(parts, md5(Buffer.concat(parts)), hasher());
    expect(r.error).toBeUndefined();
    expect(r.received.equals(Buffer.concat(parts))).toBe(true);
  });

  it('releases its hash when the reader goes away', async () => {
    const h = hasher();
    const abort = jest.spyOn(h, 'abort');
    const t = verifyMd5('0'.repeat(32), undefined, h);
    t.write(Buffer.from('partial'));
    t.destroy();
    await new Promise((resolve) => t.once('close', resolve));
    expect(abort).toHaveBeenCalled();
  });
});
