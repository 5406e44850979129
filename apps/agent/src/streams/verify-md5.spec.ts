import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChecksumMismatchError, verifyMd5 } from './verify-md5';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

async function run(chunks: Buffer[], expected: string): Promise<{ received: Buffer; error?: Error }> {
  const got: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      got.push(c);
      cb();
    },
  });
  try {
    await pipeline(Readable.from(chunks), verifyMd5(expected), sink);
    return { received: Buffer.concat(got) };
  } catch (error) {
    return { received: Buffer.concat(got), error: error as Error };
  }
}

describe('verifyMd5', () => {
  it('passes a matching body through unchanged', async () => {
    const parts = [Buffer.from('hello '), Buffer.from('world'), Buffer.from('!')];
    const r = await run(parts, md5(Buffer.concat(parts)));
    expect(r.error).toBeUndefined();
    expect(r.received.toString()).toBe('hello world!');
  });

  it('never delivers the whole of a corrupt body', async () => {
    const parts = [Buffer.from('hello '), Buffer.from('world')];
    let reported: ChecksumMismatchError | undefined;
    const got: Buffer[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (got.push(c), cb()) });
    await expect(pipeline(Readable.from(parts), verifyMd5(md5(Buffer.from('hello there')), (e) => (reported = e)), sink)).rejects.toBeInstanceOf(
      ChecksumMismatchError,
    );
    expect(Buffer.concat(got).toString()).toBe('hello ');
    expect(reported).toBeInstanceOf(ChecksumMismatchError);
  });

  it('verifies an empty body', async () => {
    expect((await run([], md5(Buffer.alloc(0)))).error).toBeUndefined();
  });
});
