import { describe, expect, it } from '@jest/globals';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { DirectorySync } from './dir-sync';

/** An fsync that records each call and finishes only when the test says so. */
class ManualFsync {
  readonly calls: { dir: string; resolve: () => void; reject: (err: unknown) => void }[] = [];
  readonly fn = (dir: string) => new Promise<void>((resolve, reject) => this.calls.push({ dir, resolve, reject }));

  get dirs(): string[] {
    return this.calls.map((c) => c.dir);
  }
}

type Outcome = { state: 'pending' } | { state: 'resolved' } | { state: 'rejected'; error: unknown };

/** Observes a promise without awaiting it, so the test can check it has NOT settled yet. */
function watch(p: Promise<void>): { readonly outcome: Outcome; done: Promise<void> } {
  const w = { outcome: { state: 'pending' } as Outcome, done: Promise.resolve() };
  w.done = p.then(
    () => void (w.outcome = { state: 'resolved' }),
    (error: unknown) => void (w.outcome = { state: 'rejected', error }),
  );
  return w;
}

/** Lets every already-queued promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DirectorySync', () => {
  it('starts an fsync at once when none runs, and forgets the directory when it is done', async () => {
    const fsync = new ManualFsync();
    const sut = new DirectorySync(fsync.fn);
    const first = watch(sut.sync('d'));
    expect(fsync.dirs).toEqual(['d']);
    expect(sut.size).toBe(1);

    fsync.calls[0].resolve();
    await first.done;
    expect(first.outcome).toEqual({ state: 'resolved' });
    expect(sut.size).toBe(0);

    // Idle again: the next request starts its own fsync right away.
    const second = watch(sut.sync('d'));
    expect(fsync.dirs).toEqual(['d', 'd']);
    fsync.calls[1].resolve();
    await second.done;
    expect(second.outcome).toEqual({ state: 'resolved' });
  });

  it('a request made while an fsync runs waits for the next fsync, not the running one', async () => {
    const fsync = new ManualFsync();
    const sut = new DirectorySync(fsync.fn);
    const early = watch(sut.sync('d'));
    const late = watch(sut.sync('d'));
    // Never two fsyncs of one directory at once.
    expect(fsync.calls).toHaveLength(1);

    fsync.calls[0].resolve();
    await settle();
    expect(early.outcome).toEqual({ state: 'resolved' });
    // The running fsync may have started before the late caller's rename.
    expect(late.outcome).toEqual({ state: 'pending' });
    expect(fsync.calls).toHaveLength(2);

    // A request during the second fsync in turn waits for a third.
    const later = watch(sut.sync('d'));
    fsync.calls[1].resolve();
    await settle();
    expect(late.outcome).toEqual({ state: 'resolved' });
    expect(later.outcome).toEqual({ state: 'pending' });
    expect(fsync.calls).toHaveLength(3);

    fsync.calls[2].resolve();
    await settle();
    expect(later.outcome).toEqual({ state: 'resolved' });
    expect(sut.size).toBe(0);
  });

  it('all requests made during one running fsync share exactly one following fsync', async () => {
    const fsync = new ManualFsync();
    const sut = new DirectorySync(fsync.fn);
    const first = watch(sut.sync('d'));
    const waiters = Array.from({ length: 20 }, () => watch(sut.sync('d')));
    expect(fsync.calls).toHaveLength(1);

    fsync.calls[0].resolve();
    await settle();
    expect(first.outcome).toEqual({ state: 'resolved' });
    expect(fsync.calls).toHaveLength(2);
    for (const w of waiters) expect(w.outcome).toEqual({ state: 'pending' });

    fsync.calls[1].resolve();
    await settle();
    for (const w of waiters) expect(w.outcome).toEqual({ state: 'resolved' });
    expect(fsync.calls).toHaveLength(2);
    expect(sut.size).toBe(0);
  });

  it('a failed fsync rejects every waiter of that fsync, and a later request starts a fresh one', async () => {
    const fsync = new ManualFsync();
    const sut = new DirectorySync(fsync.fn);
    const first = watch(sut.sync('d'));
    const waiters = Array.from({ length: 3 }, () => watch(sut.sync('d')));
    const boom = Object.assign(new Error('EIO'), { code: 'EIO' });

    fsync.calls[0].resolve();
    await settle();
    fsync.calls[1].reject(boom);
    await settle();
    expect(first.outcome).toEqual({ state: 'resolved' });
    for (const w of waiters) expect(w.outcome).toEqual({ state: 'rejected', error: boom });
    expect(sut.size).toBe(0);

    const retry = watch(sut.sync('d'));
    expect(fsync.calls).toHaveLength(3);
    fsync.calls[2].resolve();
    await settle();
    expect(retry.outcome).toEqual({ state: 'resolved' });
  });

  it('a failure of the running fsync does not reach those queued for the next one', async () => {
    const fsync = new ManualFsync();
    const sut = new DirectorySync(fsync.fn);
    const first = watch(sut.sync('d'));
    const queued = watch(sut.sync('d'));
    const boom = new Error('EIO');

    fsync.calls[0].reject(boom);
    await settle();
    expect(first.outcome).toEqual({ state: 'rejected', error: boom });
    expect(queued.outcome).toEqual({ state: 'pending' });
    expect(fsync.calls).toHaveLength(2);

    fsync.calls[1].resolve();
    await settle();
    expect(queued.outcome).toEqual({ state: 'resolved' });
  });

  it('different directories neither share nor wait for each other', async () => {
    const fsync = new ManualFsync();
    const sut = new DirectorySync(fsync.fn);
    const a = watch(sut.sync('a'));
    const b = watch(sut.sync('b'));
    expect(fsync.dirs).toEqual(['a', 'b']);

    fsync.calls[0].resolve();
    await settle();
    expect(a.outcome).toEqual({ state: 'resolved' });
    expect(b.outcome).toEqual({ state: 'pending' });
    expect(fsync.calls).toHaveLength(2);

    fsync.calls[1].resolve();
    await settle();
    expect(b.outcome).toEqual({ state: 'resolved' });
    expect(sut.size).toBe(0);
  });

  it('an fsync function that throws synchronously rejects instead of throwing, and leaves nothing behind', async () => {
    const boom = new Error('sync throw');
    const sut = new DirectorySync(() => {
      throw boom;
    });
    const first = sut.sync('d');
    const queued = sut.sync('d');
    await expect(first).rejects.toBe(boom);
    await expect(queued).rejects.toBe(boom);
    expect(sut.size).toBe(0);
  });

  it('by default fsyncs the real directory, and rejects with ENOENT for a missing one', async () => {
    const dir = await fsp.mkdtemp(path.join(tmpdir(), 'mcos-dirsync-'));
    try {
      const sut = new DirectorySync();
      await expect(Promise.all([sut.sync(dir), sut.sync(dir), sut.sync(dir)])).resolves.toEqual([undefined, undefined, undefined]);
      await expect(sut.sync(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
      expect(sut.size).toBe(0);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
