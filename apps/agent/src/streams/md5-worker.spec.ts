import { createHash, randomBytes } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { InlineMd5 } from './md5';
import { INLINE_MD5_MAX_BYTES, Md5Worker } from './md5-worker';

const md5 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('md5')).digest('hex');

/** Feeds every chunk, waiting whenever the stream asks to; returns how often it asked. */
async function feedAll(stream: ReturnType<Md5Worker['open']>, parts: Buffer[]): Promise<number> {
  let pauses = 0;
  for (const p of parts) {
    if (!stream.update(p)) {
      pauses++;
      await new Promise<void>((resume) => stream.whenDrained(resume));
    }
  }
  return pauses;
}

describe('Md5Worker', () => {
  let sut: Md5Worker;

  beforeEach(() => {
    sut = new Md5Worker();
  });

  afterEach(async () => {
    await sut.close();
  });

  it('computes the same MD5 as node:crypto, for many streams hashed at once', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => Array.from({ length: 5 + i }, () => randomBytes(50_000 + i)));
    const digests = await Promise.all(
      bodies.map(async (parts) => {
        const stream = sut.open();
        await feedAll(stream, parts);
        return stream.digest();
      }),
    );
    expect(digests).toEqual(bodies.map((parts) => md5(...parts)));
    expect(sut.openStreams).toBe(0);
  });

  it('hashes a view of a larger buffer, not the buffer behind it', async () => {
    const pool = randomBytes(10_000);
    const view = pool.subarray(100, 300);
    const stream = sut.open();
    stream.update(view);
    expect(await stream.digest()).toBe(md5(view));
  });

  it('asks the feeder to wait once 1 MiB waits to be hashed, and lets it go on when drained', async () => {
    const stream = sut.open();
    const parts = Array.from({ length: 24 }, () => randomBytes(1 << 20));
    const pauses = await feedAll(stream, parts);
    expect(pauses).toBeGreaterThan(0);
    expect(await stream.digest()).toBe(md5(...parts));
  });

  it('forgets aborted streams', async () => {
    const stream = sut.open();
    stream.update(Buffer.from('abc'));
    stream.abort();
    stream.abort();
    expect(sut.openStreams).toBe(0);
    const next = sut.open();
    next.update(Buffer.from('abc'));
    expect(await next.digest()).toBe(md5(Buffer.from('abc')));
  });

  it('fails the streams of a worker that dies, and starts a new worker for the next one', async () => {
    const stream = sut.open();
    stream.update(Buffer.from('abc'));
    await (sut as unknown as { worker: Worker }).worker.terminate();
    await expect(stream.digest()).rejects.toThrow(/MD5 worker exited/);
    const released = await new Promise<boolean>((resolve) => stream.whenDrained(() => resolve(true)));
    expect(released).toBe(true);
    const next = sut.open();
    next.update(Buffer.from('after'));
    expect(await next.digest()).toBe(md5(Buffer.from('after')));
  });

  it('never starts a worker when disabled', async () => {
    const off = new Md5Worker(false);
    expect(off.wanted(undefined)).toBe(false);
    expect(off.source(100 << 20)).toBeInstanceOf(InlineMd5);
    expect((off as unknown as { worker?: Worker }).worker).toBeUndefined();
    await off.close();
  });

  it('hashes small known sizes inline and large or unknown ones on the worker', async () => {
    expect(sut.source(4096)).toBeInstanceOf(InlineMd5);
    expect(sut.source(INLINE_MD5_MAX_BYTES)).toBeInstanceOf(InlineMd5);
    const large = sut.source(INLINE_MD5_MAX_BYTES + 1);
    const unknown = sut.source(undefined);
    expect(large).not.toBeInstanceOf(InlineMd5);
    expect(unknown).not.toBeInstanceOf(InlineMd5);
    large.abort();
    unknown.abort();
    await sut.close();
    expect(sut.source(undefined)).toBeInstanceOf(InlineMd5);
  });
});
