import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexEntry } from './index-entry';
import { ObjectIndexRepository, prefixEnd } from './object-index.repository';

function entry(name: string, ts: string, extra: Partial<IndexEntry> = {}): IndexEntry {
  return {
    key: `o/alice/c/${name}`,
    kind: 'object',
    account: 'alice',
    container: 'c',
    name,
    option: 'standard',
    size: 10,
    etag: 'e',
    timestamp: ts,
    deleted: false,
    ...extra,
  };
}

describe('ObjectIndexRepository', () => {
  let dir: string;
  let sut: ObjectIndexRepository;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-index-'));
    sut = new ObjectIndexRepository(join(dir, 'index.sqlite'));
  });
  afterEach(() => {
    sut.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the newest version: an older upsert is ignored', () => {
    sut.upsert(entry('a', '2', { size: 2 }));
    sut.upsert(entry('a', '1', { size: 1 }));
    expect(sut.get('o/alice/c/a')?.size).toBe(2);
    sut.upsert(entry('a', '3', { deleted: true }));
    expect(sut.get('o/alice/c/a')?.deleted).toBe(true);
  });

  it('lists with prefix, marker and limit in byte order, tombstones included', () => {
    for (const n of ['b/2', 'a', 'b/1', 'b/10', 'c', 'b%', 'b_']) sut.upsert(entry(n, '1'));
    sut.upsert(entry('b/3', '1', { deleted: true }));
    expect(sut.listObjects('alice', 'c', { prefix: 'b/', limit: 10 }).map((e) => e.name)).toEqual(['b/1', 'b/10', 'b/2', 'b/3']);
    expect(sut.listObjects('alice', 'c', { prefix: 'b/', marker: 'b/10', limit: 1 }).map((e) => e.name)).toEqual(['b/2']);
    // LIKE wildcards in a prefix are plain characters here.
    expect(sut.listObjects('alice', 'c', { prefix: 'b%', limit: 10 }).map((e) => e.name)).toEqual(['b%']);
    expect(sut.listObjects('bob', 'c', { limit: 10 })).toEqual([]);
  });

  it('counts live objects and containers per option', () => {
    sut.upsert(entry('a', '1', { size: 5 }));
    sut.upsert(entry('b', '1', { size: 7, option: 'single' }));
    sut.upsert(entry('gone', '1', { deleted: true }));
    sut.upsert({ ...entry('', '1'), key: 'c/alice/c', kind: 'container' });
    expect(sut.objectStatsByOption()).toEqual({ standard: { objects: 1, bytes: 5 }, single: { objects: 1, bytes: 7 } });
    expect(sut.containersByOption()).toEqual({ standard: 1 });
  });

  it('removes a version only if it is still the one held', () => {
    sut.upsert(entry('a', '2'));
    expect(sut.removeVersion('o/alice/c/a', '1')).toBe(false);
    expect(sut.removeVersion('o/alice/c/a', '2')).toBe(true);
    expect(sut.get('o/alice/c/a')).toBeUndefined();
  });

  it('survives a reopen and replaces everything on rebuild', () => {
    sut.upsert(entry('a', '1'));
    sut.close();
    sut = new ObjectIndexRepository(join(dir, 'index.sqlite'));
    expect(sut.count()).toBe(1);
    expect(sut.replaceAll([entry('x', '1'), entry('y', '1')])).toBe(2);
    expect(sut.scan('', 10).map((e) => e.name)).toEqual(['x', 'y']);
  });
});

describe('listing queries seek (issue 13, point 9)', () => {
  it('prefixEnd is the first string after every name with the prefix, in code point order', () => {
    expect(prefixEnd('')).toBeUndefined();
    expect(prefixEnd('a/')).toBe('a0');
    expect(prefixEnd('ab')).toBe('ac');
    expect(prefixEnd('a\u{10FFFF}')).toBe('b');
    expect(prefixEnd('a\ud7ff')).toBe('a\ue000');
    expect(prefixEnd('\u{10FFFF}')).toBeUndefined();
  });

  it('lists a prefix from the marker on, reading only the rows it returns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcos-index-'));
    const sut = new ObjectIndexRepository(join(dir, 'index.sqlite'));
    try {
      sut.upsertMany(['a/1', 'a/2', 'a/3', 'b', 'a0', 'a/\u{10FFFF}x'].map((n) => entry(n, '1')));
      expect(sut.listObjects('alice', 'c', { prefix: 'a/', limit: 10 }).map((x) => x.name)).toEqual(['a/1', 'a/2', 'a/3', 'a/\u{10FFFF}x']);
      expect(sut.listObjects('alice', 'c', { prefix: 'a/', marker: 'a/1', limit: 10 }).map((x) => x.name)).toEqual(['a/2', 'a/3', 'a/\u{10FFFF}x']);
      expect(sut.listObjects('alice', 'c', { prefix: 'a/', marker: 'a', limit: 1 }).map((x) => x.name)).toEqual(['a/1']);
      expect(sut.listObjects('alice', 'c', { marker: 'a/\u{10FFFF}', limit: 10 }).map((x) => x.name)).toEqual(['a/\u{10FFFF}x', 'a0', 'b']);
      expect(sut.listingRowsRead).toBe(4 + 3 + 1 + 3);
      // Both bounds are on the index: no scan of the rows before the marker or after the prefix.
      const plan = (sut as unknown as { db: { prepare(sql: string): { all(p: object): { detail: string }[] } } }).db
        .prepare(`EXPLAIN QUERY PLAN SELECT * FROM entries WHERE kind = 'object' AND account = @a AND container = @c AND name > @from AND name < @upto ORDER BY name LIMIT 5`)
        .all({ a: 'alice', c: 'c', from: 'a/1', upto: 'a0' })
        .map((r) => r.detail)
        .join(' ');
      expect(plan).toMatch(/USING INDEX entries_listing \(kind=\? AND account=\? AND container=\? AND name>\? AND name<\?\)/);
    } finally {
      sut.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ObjectIndexRepository and multipart entries', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-index-mp-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const id = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
  const part = (object: string, n: number): IndexEntry =>
    entry(`${object}/${id}/${String(n).padStart(5, '0')}`, 't1', { key: `p/alice/c/${object}/${id}/${String(n).padStart(5, '0')}`, kind: 'part' });
  const upload = (object: string): IndexEntry => entry(`${object}/${id}`, 't1', { key: `u/alice/c/${object}/${id}`, kind: 'upload' });

  it('lists uploads and parts apart from objects, parts of one upload by prefix in number order', () => {
    const sut = new ObjectIndexRepository(join(dir, 'index.sqlite'));
    sut.upsertMany([entry('big', 't1'), upload('big'), upload('other'), part('big', 10), part('big', 2), part('bigger', 1)]);
    expect(sut.listObjects('alice', 'c', { limit: 10 }).map((e) => e.name)).toEqual(['big']);
    expect(sut.listObjects('alice', 'c', { kind: 'upload', limit: 10 }).map((e) => e.name)).toEqual([`big/${id}`, `other/${id}`]);
    expect(sut.listObjects('alice', 'c', { kind: 'part', prefix: `big/${id}/`, limit: 10 }).map((e) => Number(e.name.slice(-5)))).toEqual([2, 10]);
    expect(sut.listObjects('alice', 'c', { kind: 'part', prefix: `big/${id}/`, marker: `big/${id}/00002`, limit: 10 })).toHaveLength(1);
    // One object; the bytes held are the object's and the parts' (upload records hold none).
    expect(sut.objectStatsByOption()).toEqual({ standard: { objects: 1, bytes: 40 } });
    sut.close();
  });

  it('keeps a manifest summary, and adds the column to an index made before multipart uploads', () => {
    const file = join(dir, 'old.sqlite');
    // An index as the previous build made it: no mp column.
    const old = new Database(file);
    old.exec(`CREATE TABLE entries (key TEXT PRIMARY KEY, kind TEXT NOT NULL, account TEXT NOT NULL, container TEXT NOT NULL, name TEXT NOT NULL,
      option TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, ts TEXT NOT NULL, deleted INTEGER NOT NULL, content_type TEXT)`);
    old.prepare(`INSERT INTO entries VALUES ('o/alice/c/old', 'object', 'alice', 'c', 'old', 'standard', 5, 'e', 't0', 0, NULL)`).run();
    old.close();
    const sut = new ObjectIndexRepository(file);
    expect(sut.get('o/alice/c/old')).toMatchObject({ name: 'old', size: 5 });
    expect(sut.get('o/alice/c/old')?.multipart).toBeUndefined();
    const multipart = { size: 12 << 20, etag: `${'a'.repeat(32)}-3`, parts: 3 };
    sut.upsert(entry('mp', 't1', { size: 300, multipart }));
    expect(sut.get('o/alice/c/mp')).toMatchObject({ size: 300, multipart });
    sut.close();
    // Opening again does not add the column twice.
    new ObjectIndexRepository(file).close();
  });
});
