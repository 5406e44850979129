import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';

import { BackendUnavailableError, InvalidKeyError, ObjectNotFoundError, PreconditionFailedError } from './backend.errors';
import { compareKeys } from './backend-rules';
import { DirectorySync } from './dir-sync';
import { FsBackend } from './fs.backend';
import { decodeSegment, encodeSegment, keyToPathParts } from './fs-key-codec';
import { describeBackendConformance } from './testing/backend-conformance';
import { bodyOf, failingBody, md5Of, readAll } from './testing/test-bodies';

describeBackendConformance('fs', async () => {
  const dir = await fsp.mkdtemp(path.join(tmpdir(), 'mcos-fs-conf-'));
  return {
    backend: new FsBackend({ root: dir }),
    teardown: () => fsp.rm(dir, { recursive: true, force: true }),
  };
});

/** Every file path under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('FsBackend', () => {
  let base: string;
  let root: string;
  let sut: FsBackend;

  beforeEach(async () => {
    base = await fsp.mkdtemp(path.join(tmpdir(), 'mcos-fs-'));
    root = path.join(base, 'root');
    sut = new FsBackend({ root });
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await sut.close();
    await fsp.rm(base, { recursive: true, force: true });
  });

  describe('keys cannot leave the root', () => {
    const hostile = ['../x', '../../etc/passwd', '/abs', '/', 'a/../../b', '..', '.', './x', 'a/./b', 'a//b', '..\\..\\x', '%2e%2e/x', 'x'];

    it('stores traversal-looking keys as ordinary, distinct objects inside root/objects', async () => {
      for (const key of hostile) await sut.put(key, bodyOf(key), {});
      for (const key of hostile) expect((await readAll((await sut.get(key)).body)).toString()).toBe(key);
      expect((await sut.list()).items.map((i) => i.key)).toEqual([...hostile].sort(compareKeys));

      expect(await fsp.readdir(base)).toEqual(['root']);
      for (const f of await filesUnder(root)) expect(f.startsWith(`objects${path.sep}`)).toBe(true);
    });

    it('rejects NUL and empty keys before touching the disk', async () => {
      await expect(sut.put('a\u0000/../b', bodyOf('x'), {})).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(sut.put('', bodyOf('x'), {})).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(fsp.readdir(base)).resolves.toEqual([]);
    });

    it('encodes every segment into a safe, case-proof, reversible name', () => {
      const segments = ['', '.', '..', '...', 'a.b', 'A', 'a', 'é', 'e\u0301', '%', '%41', ' ', '\\', 'CON', '~x', '😀', 'x'.repeat(150)];
      const names = segments.map(encodeSegment);
      expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(segments.length);
      for (const [i, name] of names.entries()) {
        expect(name).toMatch(/^[a-z0-9_%A-F-]+$/);
        expect(decodeSegment(name)).toBe(segments[i]);
      }
    });

    it('shortens a segment whose encoding is over 150 bytes to a hashed name that does not decode', () => {
      const names = ['É'.repeat(25), 'É'.repeat(26), 'x'.repeat(151)].map(encodeSegment);
      expect(names[0]).toBe('%C3%89'.repeat(25)); // 150 bytes: kept
      expect(names[1]).toMatch(/^(%C3%89){16}\.[0-9a-f]{32}$/);
      expect(names[2]).toMatch(/^x{96}\.[0-9a-f]{32}$/);
      expect(names.slice(1).map(decodeSegment)).toEqual([undefined, undefined]);
      expect(encodeSegment('x'.repeat(152))).not.toBe(names[2]);
    });

    it('shortens long segments (≤ 255 bytes per path component) and lists them by their real key', async () => {
      const long = 'é'.repeat(512); // 1024 bytes, 3072 once percent-encoded
      const keys = [`h/${'a'.repeat(300)}`, `h/${'a'.repeat(300)}/child`, `h/${long.slice(0, 400)}`, 'h/b', 'h/a', `${'z'.repeat(1000)}/x`];
      for (const k of keys) await sut.put(k, bodyOf(k), {});
      for (const part of keys.flatMap(keyToPathParts)) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(255);
      expect((await sut.list({ prefix: 'h/' })).items.map((i) => i.key)).toEqual(keys.filter((k) => k.startsWith('h/')).sort(compareKeys));
      const pages: string[] = [];
      for (let marker: string | undefined; ; ) {
        const page = await sut.list({ limit: 1, marker });
        pages.push(...page.items.map((i) => i.key));
        if (!page.truncated) break;
        marker = page.nextMarker;
      }
      expect(pages).toEqual([...keys].sort(compareKeys));
    });
  });

  it('stores bodies of many tiny or mixed-size chunks byte for byte (batched vectored writes)', async () => {
    const tiny = Array.from({ length: 5000 }, (_, i) => Buffer.from([i & 255, (i >> 8) & 255, 7]));
    const mixed = [Buffer.alloc(0), randomBytes(3 << 20), Buffer.alloc(0), randomBytes(17), randomBytes(1 << 20), randomBytes(65_537)];
    for (const [key, parts] of [['tiny', tiny], ['mixed', mixed]] as const) {
      const info = await sut.put(key, Readable.from(parts), {});
      const whole = Buffer.concat(parts);
      expect(info.size).toBe(whole.length);
      expect((await readAll((await sut.get(key)).body)).equals(whole)).toBe(true);
    }
  });

  describe('atomicity and crash safety', () => {
    const tmpFiles = () => fsp.readdir(path.join(root, '.tmp'));

    it('leaves no temp file after a successful or a failed put', async () => {
      await sut.put('k', bodyOf('x'), {});
      await expect(sut.put('k2', failingBody(100_000), {})).rejects.toMatchObject({ code: 'BODY_STREAM_ERROR' });
      await expect(sut.put('k', bodyOf('y'), {}, { ifNoneMatch: true })).rejects.toBeInstanceOf(PreconditionFailedError);
      expect(await tmpFiles()).toEqual([]);
    });

    it('ignores a leftover temp file (a write cut by a crash) in list and get, and removes it once stale', async () => {
      await sut.put('real', bodyOf('x'), {});
      const leftover = path.join(root, '.tmp', 'crashed-write');
      await fsp.writeFile(leftover, 'half an object');
      expect((await sut.list()).items.map((i) => i.key)).toEqual(['real']);

      // A fresh temp file may belong to another writer: kept.
      await new FsBackend({ root }).list();
      expect(await tmpFiles()).toEqual(['crashed-write']);
      // A stale one is a leftover: removed at start-up.
      const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
      await fsp.utimes(leftover, old, old);
      await new FsBackend({ root }).list();
      expect(await tmpFiles()).toEqual([]);
    });

    it('keeps data and metadata in one file, the content as a plain prefix', async () => {
      await sut.put('dir/obj', bodyOf('hello'), { userMeta: { a: 'b' } });
      const file = path.join(root, 'objects', ...keyToPathParts('dir/obj'));
      const raw = await fsp.readFile(file);
      expect(raw.subarray(0, 5).toString()).toBe('hello');
      expect(raw.toString()).toContain('"userMeta":{"a":"b"}');
    });

    it('a reader keeps the version it opened across an overwrite and a delete', async () => {
      await sut.put('v', bodyOf('old version'), { userMeta: { v: '1' } });
      const opened = await sut.get('v');
      const openedRange = await sut.get('v', { start: 4 });
      await sut.put('v', bodyOf('new'), { userMeta: { v: '2' } });
      await sut.delete('v');
      expect((await readAll(opened.body)).toString()).toBe('old version');
      expect((await readAll(openedRange.body)).toString()).toBe('version');
      expect(opened.info.userMeta).toEqual({ v: '1' });
    });

    it('concurrent create-only puts: exactly one wins', async () => {
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => sut.put('race', bodyOf(`writer ${i}`), {}, { ifNoneMatch: true })));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
      const winner = (won[0] as PromiseFulfilledResult<{ etag: string }>).value.etag;
      expect((await sut.head('race')).etag).toBe(winner);
    });

    it('puts and deletes racing in one directory never fail (empty directories are pruned and recreated)', async () => {
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 60; i++) {
        ops.push(sut.put(`deep/a/b/k${i % 3}`, bodyOf(String(i)), {}));
        ops.push(sut.delete(`deep/a/b/k${(i + 1) % 3}`));
      }
      await Promise.all(ops);
      for (const item of (await sut.list({ prefix: 'deep/' })).items) expect(item.etag).toBe(md5Of(await readAll((await sut.get(item.key)).body)));
    });

    it('prunes empty directories on delete', async () => {
      await sut.put('p/q/r/s', bodyOf('x'), {});
      await sut.delete('p/q/r/s');
      expect(await fsp.readdir(path.join(root, 'objects'))).toEqual([]);
    });
  });

  describe('directory creation and fsync', () => {
    const objects = () => path.join(root, 'objects');
    /** Records the directories commits and deletes ask to fsync, in order; the fsyncs still happen. */
    const recordDirSyncs = () => {
      const spy = jest.spyOn(DirectorySync.prototype, 'sync');
      return () => spy.mock.calls.map(([dir]) => path.relative(objects(), dir) || '.');
    };

    it('50 concurrent puts into one new directory all succeed, are readable, and share directory fsyncs', async () => {
      const synced = recordDirSyncs();
      const probe = await fsp.open(__filename, 'r');
      await probe.close();
      const fileSyncs = jest.spyOn(Object.getPrototypeOf(probe) as { sync(): Promise<void> }, 'sync');
      const keys = Array.from({ length: 50 }, (_, i) => `bucket/k${String(i).padStart(2, '0')}`);
      await Promise.all(keys.map((k) => sut.put(k, bodyOf(`body of ${k}`), {})));

      for (const k of keys) expect((await readAll((await sut.get(k)).body)).toString()).toBe(`body of ${k}`);
      expect((await sut.list({ prefix: 'bucket/' })).items.map((i) => i.key)).toEqual(keys);
      // Every commit waited for an fsync of the directory, and the creator(s) also for its parent ...
      expect(synced().filter((d) => d === 'bucket')).toHaveLength(50);
      expect(synced()).toContain('.');
      // ... but overlapping commits shared them: 50 temp-file fsyncs plus far fewer directory fsyncs (unshared: 51).
      expect(fileSyncs.mock.calls.length - 50).toBeLessThanOrEqual(25);
      expect(await fsp.readdir(path.join(root, '.tmp'))).toEqual([]);
    });

    it('fsyncs every directory a put created, down from the parent of the first new one, and only the target when none was new', async () => {
      const synced = recordDirSyncs();
      await sut.put('p/q/r/s', bodyOf('1'), {});
      expect(synced()).toEqual([path.join('p', 'q', 'r'), path.join('p', 'q'), 'p', '.']);

      jest.restoreAllMocks();
      const again = recordDirSyncs();
      await sut.put('p/q/x/t', bodyOf('2'), {});
      await sut.put('p/q/x/u', bodyOf('3'), {});
      expect(again()).toEqual([path.join('p', 'q', 'x'), path.join('p', 'q'), path.join('p', 'q', 'x')]);
    });

    it('a put into a directory that a delete pruned recreates it (the ENOENT retry) and makes it durable again', async () => {
      await sut.put('p/q/r/s', bodyOf('old'), {});
      await sut.delete('p/q/r/s');
      expect(await fsp.readdir(objects())).toEqual([]);

      const synced = recordDirSyncs();
      await sut.put('p/q/r/s', bodyOf('new'), {});
      expect((await readAll((await sut.get('p/q/r/s')).body)).toString()).toBe('new');
      expect(synced()).toEqual([path.join('p', 'q', 'r'), path.join('p', 'q'), 'p', '.']);

      await sut.delete('p/q/r/s');
      await sut.put('p/q/r/s', bodyOf('created only'), {}, { ifNoneMatch: true });
      expect((await readAll((await sut.get('p/q/r/s')).body)).toString()).toBe('created only');
    });

    it('a put into a directory another put is still creating makes the ancestors durable too', async () => {
      await sut.put('p/existing', bodyOf('0'), {});
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const sync = DirectorySync.prototype.sync;
      const calls: string[] = [];
      jest.spyOn(DirectorySync.prototype, 'sync').mockImplementation(async function (this: DirectorySync, dir: string) {
        calls.push(path.relative(objects(), dir) || '.');
        if (calls.length === 1) await held; // the creator's first fsync is slow
        return sync.call(this, dir);
      });
      const creator = sut.put('p/new/a', bodyOf('a'), {});
      while (calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      // p/new exists now, but its entry in p is not durable until the creator's chain ends.
      await sut.put('p/new/b', bodyOf('b'), {});
      expect(calls.slice(1)).toEqual([path.join('p', 'new'), 'p', '.']);
      release();
      await creator;
      calls.length = 0;
      await sut.put('p/new/c', bodyOf('c'), {});
      expect(calls).toEqual([path.join('p', 'new')]);
    });

    it('a put whose object is deleted (and its directory pruned) before the directory fsync still succeeds', async () => {
      const sync = DirectorySync.prototype.sync;
      jest.spyOn(DirectorySync.prototype, 'sync').mockImplementationOnce(async function (this: DirectorySync, dir: string) {
        await sut.delete('gone/k');
        return sync.call(this, dir);
      });
      await expect(sut.put('gone/k', bodyOf('x'), {})).resolves.toMatchObject({ key: 'gone/k' });
      await expect(sut.head('gone/k')).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(await fsp.readdir(objects())).toEqual([]);
    });
  });

  describe('modes: nothing readable by other local users', () => {
    const modeOf = async (p: string) => (await fsp.stat(p)).mode & 0o777;
    let umask: number;
    // umask 0: the modes seen can only come from the backend itself, not from a narrow default.
    beforeEach(() => {
      umask = process.umask(0);
    });
    afterEach(() => {
      process.umask(umask);
    });

    it('creates its directories 0700 and its object files 0600', async () => {
      await sut.put('c/deep/er/k', bodyOf('x'), {});
      await sut.put('top', bodyOf('y'), {}, { ifNoneMatch: true });
      const objects = path.join(root, 'objects');
      const dirs = [root, objects, path.join(root, '.tmp')];
      for (const parts of [keyToPathParts('c/deep/er/k'), keyToPathParts('top')]) {
        for (let i = 1; i < parts.length; i++) dirs.push(path.join(objects, ...parts.slice(0, i)));
      }
      expect(dirs.length).toBeGreaterThan(5);
      for (const d of dirs) expect({ d, mode: await modeOf(d) }).toEqual({ d, mode: 0o700 });
      for (const f of await filesUnder(objects)) expect({ f, mode: await modeOf(path.join(objects, f)) }).toEqual({ f, mode: 0o600 });
      expect(await filesUnder(objects)).toHaveLength(2);
    });

    it('writes its temp file 0600 while the body is still arriving', async () => {
      const body = new Readable({ read() {} });
      body.push(Buffer.from('first part'));
      const put = sut.put('slow', body, {});
      const tmp = path.join(root, '.tmp');
      let names: string[] = [];
      for (const deadline = Date.now() + 10_000; names.length === 0; await new Promise((r) => setImmediate(r))) {
        if (Date.now() > deadline) throw new Error('no temp file appeared');
        names = await fsp.readdir(tmp).catch(() => []);
      }
      expect(await modeOf(path.join(tmp, names[0]))).toBe(0o600);
      body.push(null);
      await put;
    });

    it('narrows objects/ and .tmp/ made wider by an older version, at start', async () => {
      await fsp.mkdir(path.join(root, 'objects'), { recursive: true, mode: 0o755 });
      await fsp.mkdir(path.join(root, '.tmp'), { mode: 0o777 });
      await sut.put('k', bodyOf('x'), {});
      expect(await modeOf(path.join(root, 'objects'))).toBe(0o700);
      expect(await modeOf(path.join(root, '.tmp'))).toBe(0o700);
    });
  });

  describe('damaged or foreign files', () => {
    it('a truncated object file reads as BackendUnavailableError and is skipped by list', async () => {
      await sut.put('good', bodyOf('fine'), {});
      await sut.put('bad', bodyOf('will be damaged'), {});
      const file = path.join(root, 'objects', ...keyToPathParts('bad'));
      await fsp.truncate(file, 10);
      await expect(sut.head('bad')).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(sut.get('bad')).rejects.toBeInstanceOf(BackendUnavailableError);
      expect((await sut.list()).items.map((i) => i.key)).toEqual(['good']);
    });

    it('a file moved to another key\'s (shortened) name is not that object', async () => {
      const a = `m/${'a'.repeat(300)}`;
      const b = `m/${'b'.repeat(300)}`;
      await sut.put(a, bodyOf('a'), {});
      await fsp.rename(path.join(root, 'objects', ...keyToPathParts(a)), path.join(root, 'objects', ...keyToPathParts(b)));
      await expect(sut.head(b)).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect((await sut.list({ prefix: 'm/' })).items).toEqual([]);
    });

    it('ignores files it did not write', async () => {
      await sut.put('mine', bodyOf('x'), {});
      await fsp.writeFile(path.join(root, 'objects', 'README'), 'not an object');
      await fsp.mkdir(path.join(root, 'objects', 'Foreign Dir'), { recursive: true });
      await fsp.writeFile(path.join(root, 'objects', 'Foreign Dir', 'x.obj'), 'not an object either');
      expect((await sut.list()).items.map((i) => i.key)).toEqual(['mine']);
    });
  });

  it('capacity comes from statfs', async () => {
    const c = await sut.capacity();
    expect(c.totalBytes).toBeGreaterThan(0);
    expect(c.usedBytes).toBeGreaterThan(0);
  });

  it('an unusable root is BackendUnavailableError', async () => {
    await fsp.writeFile(path.join(base, 'file'), 'x');
    const broken = new FsBackend({ root: path.join(base, 'file', 'root') });
    await expect(broken.head('k')).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(broken.describe()).toBe(`fs:${path.join(base, 'file', 'root')}`);
  });
});
