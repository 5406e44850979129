import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fanOut } from './fan-out';
import { Md5Worker } from './md5-worker';

function* chunks(count: number, size: number): Generator<Buffer> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(size, i % 251);
}

function sink(delayMs = 0): Writable & { received: number; md5: () => string } {
  const h = createHash('md5');
  const w = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      w.received += chunk.length;
      if (delayMs) setTimeout(cb, delayMs);
      else cb();
    },
  }) as Writable & { received: number; md5: () => string };
  w.received = 0;
  w.md5 = () => h.digest('hex');
  return w;
}

describe('fanOut', () => {
  it('delivers every byte to every branch and reports the MD5', async () => {
    const expected = createHash('md5');
    for (const c of chunks(64, 4096)) expected.update(c);
    const sut = fanOut(Readable.from(chunks(64, 4096)), 3, { highWaterMark: 8192 });
    const sinks = [sink(), sink(1), sink()];
    await Promise.all(sut.branches.map((b, i) => pipeline(b, sinks[i])));
    const d = await sut.digest;
    expect(d).toEqual({ md5: expected.digest('hex'), size: 64 * 4096 });
    for (const s of sinks) expect(s.md5()).toBe(d.md5);
  });

  it('holds the source back to the slowest branch (bounded memory)', async () => {
    let produced = 0;
    const source = Readable.from(
      (function* () {
        for (const c of chunks(200, 16 * 1024)) {
          produced += c.length;
          yield c;
        }
      })(),
    );
    const sut = fanOut(source, 2, { highWaterMark: 64 * 1024 });
    const slow = sink(2);
    let maxLead = 0;
    const fast = new Writable({
      write(_c, _e, cb) {
        maxLead = Math.max(maxLead, produced - slow.received);
        cb();
      },
    });
    await Promise.all([pipeline(sut.branches[0], fast), pipeline(sut.branches[1], slow)]);
    // Never more than a few high-water marks ahead of the slow consumer.
    expect(maxLead).toBeLessThan(512 * 1024);
  });

  it('lets the others finish when one branch is dropped', async () => {
    const sut = fanOut(Readable.from(chunks(32, 1024)), 2, { highWaterMark: 2048 });
    const ok = sink();
    sut.drop(1, new Error('peer failed'));
    await pipeline(sut.branches[0], ok);
    expect(ok.received).toBe(32 * 1024);
    expect(sut.branches[1].destroyed).toBe(true);
  });

  it('fails the digest when the source fails', async () => {
    const source = new Readable({ read() {} });
    const sut = fanOut(source, 1);
    sut.branches[0].resume();
    sut.branches[0].on('error', () => undefined);
    source.push(Buffer.from('abc'));
    source.destroy(new Error('client went away'));
    await expect(sut.digest).rejects.toThrow('client went away');
  });

  describe('with the MD5 on a worker thread', () => {
    const worker = new Md5Worker();
    afterAll(() => worker.close());

    it('delivers every byte to every branch and reports the MD5', async () => {
      const expected = createHash('md5');
      for (const c of chunks(96, 64 * 1024)) expected.update(c);
      const sut = fanOut(Readable.from(chunks(96, 64 * 1024)), 2, { md5: worker.open() });
      const sinks = [sink(), sink()];
      await Promise.all(sut.branches.map((b, i) => pipeline(b, sinks[i])));
      const d = await sut.digest;
      expect(d).toEqual({ md5: expected.digest('hex'), size: 96 * 64 * 1024 });
      for (const s of sinks) expect(s.md5()).toBe(d.md5);
      expect(worker.openStreams).toBe(0);
    });

    it('fails the digest and releases the hash when the source fails', async () => {
      const source = new Readable({ read() {} });
      const sut = fanOut(source, 1, { md5: worker.open() });
      sut.branches[0].resume();
      sut.branches[0].on('error', () => undefined);
      source.push(Buffer.alloc(70_000));
      source.destroy(new Error('client went away'));
      await expect(sut.digest).rejects.toThrow('client went away');
      expect(worker.openStreams).toBe(0);
    });
  });
});
