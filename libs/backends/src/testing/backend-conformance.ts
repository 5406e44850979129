import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  BodyStreamError,
  InvalidKeyError,
  InvalidMetadataError,
  InvalidRangeError,
  ObjectNotFoundError,
  PreconditionFailedError,
} from '../backend.errors';
import { MAX_KEY_BYTES, compareKeys } from '../backend-rules';
import type { ObjectBackend, StoredObjectInfo } from '../object-backend';
import { bodyOf, digestStream, failingBody, generatedBody, md5Of, readAll } from './test-bodies';

export interface ConformanceSetup {
  backend: ObjectBackend;
  teardown(): Promise<void>;
}

export interface ConformanceOptions {
  /**
   * Whether a single key segment (no `/`) may use the whole key length.
   * Only test doubles that store keys as plain file names (s3rver) set it
   * false; real backends must pass with the default.
   */
  longSegments?: boolean;
}

const MIB = 1024 * 1024;
const SLOW_MS = 120_000;

/**
 * The contract of `ObjectBackend`, as one jest suite: every driver's spec
 * calls this with a factory for a fresh, empty backend. Cases use disjoint
 * key prefixes, so they share one backend.
 */
export function describeBackendConformance(name: string, setup: () => Promise<ConformanceSetup>, options: ConformanceOptions = {}): void {
  describe(`ObjectBackend conformance: ${name}`, () => {
    let sut: ObjectBackend;
    let teardown: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const s = await setup();
      sut = s.backend;
      teardown = s.teardown;
    }, SLOW_MS);

    afterAll(async () => {
      await teardown?.();
    }, SLOW_MS);

    const put = (key: string, data: Buffer | string, meta = {}) => sut.put(key, bodyOf(data), meta);

    describe('round trip', () => {
      it.each([
        ['0 B', 0],
        ['1 B', 1],
        ['5 MiB', 5 * MIB],
        ['50 MiB (streamed, never buffered whole)', 50 * MIB],
      ])(
        'stores and returns %s with its MD5 and size',
        async (_label, size) => {
          const key = `rt/${size}`;
          const gen = generatedBody(size);

          const info = await sut.put(key, gen.body, {}, { size });

          expect(info).toMatchObject({ key, size, etag: gen.md5(), contentType: 'application/octet-stream' });
          expect(await sut.head(key)).toMatchObject({ key, size, etag: gen.md5() });
          const got = await sut.get(key);
          expect(got.info).toMatchObject({ size, etag: gen.md5() });
          expect(got.range).toBeUndefined();
          expect(await digestStream(got.body)).toEqual({ size, md5: gen.md5() });
        },
        SLOW_MS,
      );

      it('puts a body of unknown length (no size given)', async () => {
        const gen = generatedBody(3 * MIB + 17);
        const info = await sut.put('rt/unknown-length', gen.body, {});
        expect(info).toMatchObject({ size: 3 * MIB + 17, etag: gen.md5() });
      });

      it('reports when the object was stored', async () => {
        const before = Date.now();
        const info = await put('rt/when', 'x');
        const head = await sut.head('rt/when');
        expect(info.lastModified).toBeInstanceOf(Date);
        // Backends may keep whole seconds only.
        for (const t of [info.lastModified.getTime(), head.lastModified.getTime()]) {
          expect(t).toBeGreaterThanOrEqual(before - 2000);
          expect(t).toBeLessThanOrEqual(Date.now() + 2000);
        }
      });
    });

    describe('metadata', () => {
      const meta = {
        contentType: 'text/plain; charset=utf-8',
        userMeta: { color: 'blue', 'x-unicode': 'héllo wörld ✓ 日本 😀', spaces: '  two  spaces  ', percent: '100% %41 %zz', empty: '' },
        systemMeta: { ts: '0001718000000000-0000-agent-a', deleted: '0', option: 'standard' },
      };

      it('round-trips content type, user and system metadata on put, head, get and list', async () => {
        const info = await put('meta/one', 'payload', meta);
        expect(info).toMatchObject(meta);
        expect(await sut.head('meta/one')).toMatchObject(meta);
        const got = await sut.get('meta/one');
        await readAll(got.body);
        expect(got.info).toMatchObject(meta);
        const listed = await sut.list({ prefix: 'meta/one' });
        expect(listed.items).toHaveLength(1);
        expect(listed.items[0]).toMatchObject({ key: 'meta/one', size: 7, etag: md5Of('payload'), ...meta });
      });

      it('defaults the content type and returns empty maps', async () => {
        await put('meta/plain', 'x');
        expect(await sut.head('meta/plain')).toMatchObject({ contentType: 'application/octet-stream', userMeta: {}, systemMeta: {} });
      });

      it.each([
        ['an upper-case name', { userMeta: { Color: 'x' } }],
        ['a name with a space', { userMeta: { 'a b': 'x' } }],
        ['a NUL in a value', { systemMeta: { ts: 'a\u0000b' } }],
        ['a non-ASCII content type', { contentType: 'text/plain; charset=ü' }],
        ['more than 2 KiB in total', { userMeta: { big: 'x'.repeat(2100) } }],
      ])('rejects %s with InvalidMetadataError and stores nothing', async (_label, bad) => {
        await expect(put('meta/bad', 'x', bad)).rejects.toBeInstanceOf(InvalidMetadataError);
        await expect(sut.head('meta/bad')).rejects.toBeInstanceOf(ObjectNotFoundError);
      });
    });

    describe('overwrite and delete', () => {
      it('overwrite replaces bytes and all metadata', async () => {
        await put('ow/k', 'first version', { contentType: 'text/a', userMeta: { a: '1' }, systemMeta: { ts: '1' } });
        await put('ow/k', 'second', { contentType: 'text/b', userMeta: { b: '2' }, systemMeta: { ts: '2' } });
        const got = await sut.get('ow/k');
        expect((await readAll(got.body)).toString()).toBe('second');
        expect(got.info).toMatchObject({ size: 6, etag: md5Of('second'), contentType: 'text/b', userMeta: { b: '2' }, systemMeta: { ts: '2' } });
      });

      it('delete removes the object; head and get then throw ObjectNotFoundError', async () => {
        await put('del/k', 'x');
        await sut.delete('del/k');
        await expect(sut.head('del/k')).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(sut.get('del/k')).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND', key: 'del/k' });
        expect((await sut.list({ prefix: 'del/' })).items).toEqual([]);
      });

      it('delete is idempotent: a missing key is not an error', async () => {
        await expect(sut.delete('del/never-existed')).resolves.toBeUndefined();
        await put('del/twice', 'x');
        await sut.delete('del/twice');
        await expect(sut.delete('del/twice')).resolves.toBeUndefined();
      });

      it('missing objects: get and head throw ObjectNotFoundError', async () => {
        await expect(sut.get('missing/k')).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(sut.get('missing/k', { start: 0 })).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(sut.head('missing/k')).rejects.toBeInstanceOf(ObjectNotFoundError);
      });

      it('deleting "a" leaves "a/b" and deleting "a/b" leaves "a"', async () => {
        await put('nest/a', '1');
        await put('nest/a/b', '2');
        await sut.delete('nest/a/b');
        expect((await sut.head('nest/a')).size).toBe(1);
        await put('nest/a/b', '2');
        await sut.delete('nest/a');
        expect((await sut.head('nest/a/b')).size).toBe(1);
      });
    });

    describe('create-only (ifNoneMatch)', () => {
      it('creates a missing key', async () => {
        const info = await sut.put('co/new', bodyOf('x'), {}, { ifNoneMatch: true });
        expect(info.etag).toBe(md5Of('x'));
      });

      it('refuses an existing key with PreconditionFailedError and keeps the original', async () => {
        await put('co/old', 'original');
        await expect(sut.put('co/old', bodyOf('intruder'), {}, { ifNoneMatch: true })).rejects.toBeInstanceOf(PreconditionFailedError);
        expect(await readAll((await sut.get('co/old')).body)).toEqual(Buffer.from('original'));
      });

      it('refuses an existing key also for a large body', async () => {
        await put('co/big', 'original');
        const gen = generatedBody(12 * MIB);
        await expect(sut.put('co/big', gen.body, {}, { ifNoneMatch: true })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
        expect((await sut.head('co/big')).etag).toBe(md5Of('original'));
      });
    });

    describe('failed bodies leave nothing visible', () => {
      it.each([
        ['after 1 KiB', 1024],
        ['after 12 MiB', 12 * MIB],
      ])(
        'a body failing %s → BodyStreamError, no object, no listing entry',
        async (_label, okBytes) => {
          const key = `fail/${okBytes}`;
          const err = await sut.put(key, failingBody(okBytes), {}).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(BodyStreamError);
          expect((err as BodyStreamError).cause).toBeInstanceOf(Error);
          await expect(sut.head(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
          expect((await sut.list({ prefix: 'fail/' })).items).toEqual([]);
        },
        SLOW_MS,
      );

      it(
        'a failed overwrite keeps the previous version intact',
        async () => {
          await put('fail-ow/k', 'previous', { userMeta: { v: '1' } });
          await expect(sut.put('fail-ow/k', failingBody(9 * MIB), { userMeta: { v: '2' } })).rejects.toBeInstanceOf(BodyStreamError);
          const got = await sut.get('fail-ow/k');
          expect(await readAll(got.body)).toEqual(Buffer.from('previous'));
          expect(got.info.userMeta).toEqual({ v: '1' });
        },
        SLOW_MS,
      );

      it.each([
        ['shorter', 5, 10],
        ['longer', 20, 10],
      ])('a body %s than the announced size → BodyStreamError, nothing stored', async (_label, actual, announced) => {
        const key = `fail-size/${actual}`;
        await expect(sut.put(key, bodyOf('x'.repeat(actual)), {}, { size: announced })).rejects.toBeInstanceOf(BodyStreamError);
        await expect(sut.head(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
      });
    });

    describe('range reads', () => {
      const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
      beforeAll(async () => {
        await put('range/k', data);
        await put('range/empty', '');
      });

      it.each([
        ['start only', { start: 990 }, 990, 999],
        ['start and end', { start: 10, end: 19 }, 10, 19],
        ['the first byte', { start: 0, end: 0 }, 0, 0],
        ['the last byte', { start: 999, end: 999 }, 999, 999],
        ['the last byte, start only', { start: 999 }, 999, 999],
        ['an end past the last byte (clamped)', { start: 995, end: 5000 }, 995, 999],
        ['everything', { start: 0 }, 0, 999],
      ])('serves %s', async (_label, range, start, end) => {
        const got = await sut.get('range/k', range);
        expect(got.range).toEqual({ start, end });
        expect(got.info).toMatchObject({ size: 1000, etag: md5Of(data) });
        expect(await readAll(got.body)).toEqual(data.subarray(start, end + 1));
      });

      it.each([
        ['start = size', 'range/k', { start: 1000 }],
        ['start > size', 'range/k', { start: 5000, end: 6000 }],
        ['end < start', 'range/k', { start: 10, end: 9 }],
        ['a negative start', 'range/k', { start: -1 }],
        ['a fractional start', 'range/k', { start: 1.5 }],
        ['any range of an empty object', 'range/empty', { start: 0 }],
      ])('rejects %s with InvalidRangeError', async (_label, key, range) => {
        await expect(sut.get(key, range)).rejects.toBeInstanceOf(InvalidRangeError);
      });

      it('an empty object reads as empty without a range', async () => {
        expect((await readAll((await sut.get('range/empty')).body)).length).toBe(0);
      });
    });

    describe('keys', () => {
      const keyBytes = () => Math.min(MAX_KEY_BYTES, sut.maxKeyBytes);
      /** A key of exactly `bytes` UTF-8 bytes, with a `/` after about `segment` bytes, mixing 1- to 4-byte characters. */
      const longKey = (bytes: number, segment: number) => {
        const pieces = ['a', 'é', '日', '😀'];
        let key = 'long/';
        let seg = 0;
        for (let i = 0; Buffer.byteLength(key) < bytes; i++) {
          let p = seg >= segment ? '/' : pieces[i % pieces.length];
          if (Buffer.byteLength(p) > bytes - Buffer.byteLength(key)) p = 'a';
          seg = p === '/' ? 0 : seg + Buffer.byteLength(p);
          key += p;
        }
        return key;
      };
      const names = [
        'k/dir/sub/file.txt',
        'k/with space/and  two',
        'k/ünïcødé/日本語/😀.bin',
        'k/trailing/',
        'k/punct !"#$&\'()*+,;=?@[]^`{|}~%20%',
        'k/UPPER/lower',
        'k/dots.in.name/..../x',
      ];

      it.each(names)('stores, reads, lists and deletes %j', async (key) => {
        await put(key, key);
        expect((await sut.head(key)).key).toBe(key);
        expect((await readAll((await sut.get(key)).body)).toString()).toBe(key);
        expect((await sut.list({ prefix: key })).items.map((i) => i.key)).toContain(key);
        await sut.delete(key);
        await expect(sut.head(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
      });

      it('keys differing only in case or Unicode normalisation are distinct', async () => {
        await put('case/Name', '1');
        await put('case/name', '2');
        await put('case/\u00e9', '3'); // é precomposed
        await put('case/e\u0301', '4'); // e + combining acute
        const got = await Promise.all(['case/Name', 'case/name', 'case/\u00e9', 'case/e\u0301'].map(async (k) => (await readAll((await sut.get(k)).body)).toString()));
        expect(got).toEqual(['1', '2', '3', '4']);
      });

      it('accepts a key of the maximum length (segments of ≤ 200 bytes)', async () => {
        const key = longKey(keyBytes(), 200);
        expect(Buffer.byteLength(key)).toBe(keyBytes());
        await put(key, 'long');
        expect((await sut.head(key)).key).toBe(key);
        expect((await sut.list({ prefix: 'long/' })).items.map((i) => i.key)).toEqual([key]);
        await sut.delete(key);
      });

      if (options.longSegments !== false) {
        it('accepts a key of the maximum length without any "/"', async () => {
          const key = 'x'.repeat(keyBytes() - 4) + '😀';
          await put(key, 'long');
          expect((await sut.head(key)).key).toBe(key);
          expect((await sut.list({ prefix: 'xxxx' })).items.map((i) => i.key)).toEqual([key]);
          await sut.delete(key);
        });
      }

      it.each([
        ['empty', ''],
        ['one byte too long', 'y'.repeat(MAX_KEY_BYTES + 1)],
        ['NUL', 'a\u0000b'],
        ['a newline', 'a\nb'],
        ['DEL', 'a\u007fb'],
        ['a lone surrogate', 'a\ud800b'],
        ['the reserved prefix', '.mcos-probe/x'],
      ])('rejects a key with %s (InvalidKeyError) in every method', async (_label, key) => {
        await expect(put(key, 'x')).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(sut.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(sut.head(key)).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(sut.delete(key)).rejects.toBeInstanceOf(InvalidKeyError);
      });

      it('maxKeyBytes is honoured exactly', async () => {
        await expect(put('z'.repeat(sut.maxKeyBytes + 1), 'x')).rejects.toBeInstanceOf(InvalidKeyError);
      });
    });

    describe('listing', () => {
      // Traps for the order: ' ' < '/' < '0' < 'a' < '~' < 'é' (bytes C3 A9).
      const keys = ['ls/a', 'ls/a b', 'ls/a/b', 'ls/a/c/d', 'ls/a0', 'ls/b', 'ls/é', 'ls/~', 'ls/Z', 'ls/a/b/c'];
      const sorted = [...keys].sort(compareKeys);
      const all = async (opts: { prefix?: string; limit: number; marker?: string }) => {
        const out: StoredObjectInfo[] = [];
        let marker = opts.marker;
        for (let pages = 0; pages < 100; pages++) {
          const page = await sut.list({ ...opts, marker });
          out.push(...page.items);
          expect(page.items.length).toBeLessThanOrEqual(opts.limit);
          if (!page.truncated) {
            expect(page.nextMarker).toBeUndefined();
            return out.map((i) => i.key);
          }
          expect(page.nextMarker).toBe(page.items[page.items.length - 1].key);
          marker = page.nextMarker;
        }
        throw new Error('listing did not end');
      };

      beforeAll(async () => {
        for (const k of [...keys, 'lt/x', 'l', 'ls']) await put(k, k, { systemMeta: { ts: k.length.toString() } });
      });

      it('lists by prefix in UTF-8 byte order with full info', async () => {
        const page = await sut.list({ prefix: 'ls/' });
        expect(page.truncated).toBe(false);
        expect(page.items.map((i) => i.key)).toEqual(sorted);
        expect(sorted).toEqual(['ls/Z', 'ls/a', 'ls/a b', 'ls/a/b', 'ls/a/b/c', 'ls/a/c/d', 'ls/a0', 'ls/b', 'ls/~', 'ls/é']);
        for (const item of page.items) {
          expect(item).toMatchObject({ size: Buffer.byteLength(item.key), etag: md5Of(item.key), systemMeta: { ts: item.key.length.toString() } });
        }
      });

      it.each([1, 2, 3, 7, 1000])('paginates with limit %i through every key exactly once', async (limit) => {
        expect(await all({ prefix: 'ls/', limit })).toEqual(sorted);
      });

      it('starts strictly after the marker, existing or not', async () => {
        expect(await all({ prefix: 'ls/', limit: 3, marker: 'ls/a/b' })).toEqual(sorted.slice(sorted.indexOf('ls/a/b') + 1));
        expect(await all({ prefix: 'ls/', limit: 3, marker: 'ls/a!' })).toEqual(sorted.slice(sorted.indexOf('ls/a/b')));
        expect(await all({ prefix: 'ls/', limit: 3, marker: 'ls/zzz' })).toEqual(['ls/~', 'ls/é']);
        expect(await all({ prefix: 'ls/', limit: 3, marker: 'm' })).toEqual([]);
      });

      it('a prefix may end inside a segment or at a "/"', async () => {
        expect((await sut.list({ prefix: 'ls/a' })).items.map((i) => i.key)).toEqual(sorted.filter((k) => k.startsWith('ls/a')));
        expect((await sut.list({ prefix: 'ls/a/' })).items.map((i) => i.key)).toEqual(['ls/a/b', 'ls/a/b/c', 'ls/a/c/d']);
        expect((await sut.list({ prefix: 'ls' })).items.map((i) => i.key)).toEqual(['ls', ...sorted]);
        expect((await sut.list({ prefix: 'nothing-here/' })).items).toEqual([]);
      });

      it('orders code points above U+FFFF after U+E000..U+FFFF (byte order, not UTF-16)', async () => {
        const astral = ['lu/\uE000', 'lu/\uFF21', 'lu/😀', 'lu/a'];
        for (const k of astral) await put(k, 'x');
        expect((await sut.list({ prefix: 'lu/' })).items.map((i) => i.key)).toEqual(['lu/a', 'lu/\uE000', 'lu/\uFF21', 'lu/😀']);
      });

      it('a listing without prefix covers everything, in order', async () => {
        const everything = await all({ limit: 1000 });
        expect(everything).toEqual(expect.arrayContaining([...keys, 'lt/x', 'l', 'ls']));
        expect([...everything].sort(compareKeys)).toEqual(everything);
      });
    });

    describe('capacity, probe, describe', () => {
      it('capacity gives non-negative numbers where known', async () => {
        const c = await sut.capacity();
        for (const v of [c.totalBytes, c.usedBytes]) if (v !== undefined) expect(v).toBeGreaterThanOrEqual(0);
        if (c.totalBytes !== undefined && c.usedBytes !== undefined) expect(c.usedBytes).toBeLessThanOrEqual(c.totalBytes);
      });

      it('probe measures positive throughput and leaves no visible object', async () => {
        const before = (await sut.list({ limit: 10000 })).items.length;
        const p = await sut.probe();
        expect(p.writeMBps).toBeGreaterThan(0);
        expect(p.readMBps).toBeGreaterThan(0);
        expect((await sut.list({ limit: 10000 })).items.length).toBe(before);
      });

      it('describes itself', () => {
        expect(sut.describe()).toMatch(new RegExp(`^${sut.kind}:`));
      });
    });
  });
}
