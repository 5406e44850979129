import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IndexEntry } from '../index/index-entry';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { mergeListings, PageFetcher } from './listing-merge';

function e(name: string, ts: string, deleted = false): IndexEntry {
  return { key: `o/a/c/${name}`, kind: 'object', account: 'a', container: 'c', name, option: 'standard', size: 1, etag: ts, timestamp: ts, deleted };
}

function source(entries: IndexEntry[]): PageFetcher {
  const sorted = [...entries].sort((x, y) => (x.name < y.name ? -1 : 1));
  return async (marker, limit) => sorted.filter((x) => x.name > marker).slice(0, limit);
}

const failing: PageFetcher = async () => Promise.reject(new Error('down'));
const nameOf = (x: IndexEntry) => x.name;

describe('mergeListings', () => {
  it('keeps the newest version of each name and hides tombstones', async () => {
    const a = source([e('x', '1'), e('y', '2'), e('z', '1')]);
    const b = source([e('x', '3'), e('y', '3', true), e('w', '1')]);
    const r = await mergeListings([a, b], { limit: 10 }, nameOf, 2);
    expect(r.items.map((i) => (i.kind === 'entry' ? `${i.name}@${i.entry.timestamp}` : i.name))).toEqual(['w@1', 'x@3', 'z@1']);
    expect(r.truncated).toBe(false);
  });

  it('pages with marker and limit across small source pages', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    const a = source(names.filter((_, i) => i % 2 === 0).map((n) => e(n, '1')));
    const b = source(names.filter((_, i) => i % 3 === 0).map((n) => e(n, '1')));
    const c = source(names.map((n) => e(n, '1')));
    const seen: string[] = [];
    let marker = '';
    for (;;) {
      const r = await mergeListings([a, b, c], { marker, limit: 7 }, nameOf, 3);
      seen.push(...r.items.map((i) => i.name));
      if (!r.truncated) break;
      marker = r.items[r.items.length - 1].name;
    }
    expect(seen).toEqual(names);
  });

  it('rolls names under a delimiter into one subdir', async () => {
    const a = source([e('a/1', '1'), e('a/2', '1'), e('b', '1'), e('c/x/y', '1'), e('c/z', '1')]);
    const r = await mergeListings([a], { delimiter: '/', limit: 10 }, nameOf);
    expect(r.items.map((i) => `${i.kind}:${i.name}`)).toEqual(['subdir:a/', 'entry:b', 'subdir:c/']);
    const p = await mergeListings([a], { prefix: 'c/', delimiter: '/', limit: 10 }, nameOf);
    expect(p.items.map((i) => `${i.kind}:${i.name}`)).toEqual(['subdir:c/x/', 'entry:c/z']);
  });

  it('counts failed sources and lists what the others have', async () => {
    const r = await mergeListings([source([e('x', '1')]), failing], { limit: 10 }, nameOf);
    expect(r.items.map((i) => i.name)).toEqual(['x']);
    expect(r.failed).toBe(1);
  });
});

describe('mergeListings: bounded work per page (issue 13, point 9)', () => {
  // Real sqlite indexes (one per agent), counting the rows their listing queries return.
  let dir: string;
  let repos: ObjectIndexRepository[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-listing-'));
    repos = [0, 1, 2].map((i) => new ObjectIndexRepository(join(dir, `index-${i}.sqlite`)));
  });
  afterEach(() => {
    repos.forEach((r) => r.close());
    rmSync(dir, { recursive: true, force: true });
  });
  const fetchersOf = () => repos.map((r): PageFetcher => async (marker, limit) => r.listObjects('a', 'c', { marker, limit }));
  const rowsRead = () => repos.reduce((n, r) => n + r.listingRowsRead, 0);
  const fill = (entries: IndexEntry[]) => repos.forEach((r) => r.upsertMany(entries));

  it('seeks past each rolled-up prefix instead of reading the names under it', async () => {
    const entries: IndexEntry[] = [];
    for (let d = 0; d < 40; d++) for (let f = 0; f < 500; f++) entries.push(e(`dir${String(d).padStart(2, '0')}/f${String(f).padStart(4, '0')}`, '1'));
    entries.push(e('top', '1'));
    fill(entries); // 20,001 names on each of 3 agents

    const r = await mergeListings(fetchersOf(), { delimiter: '/', limit: 1000 }, nameOf);
    expect(r.items.map((i) => i.name)).toEqual([...Array.from({ length: 40 }, (_, d) => `dir${String(d).padStart(2, '0')}/`), 'top']);
    expect(r.truncated).toBe(false);
    // One small page per subdir and agent, not 500 names each: 40 x 3 x 16 at most, plus the first pages.
    expect(rowsRead()).toBeLessThan(3 * (40 * 16 + 1001 + 16));

    const paged: string[] = [];
    let marker: string | undefined;
    for (let n = 0; n < 100; n++) {
      const p = await mergeListings(fetchersOf(), { delimiter: '/', limit: 7, marker }, nameOf);
      paged.push(...p.items.map((i) => i.name));
      if (!p.truncated) break;
      marker = p.nextMarker;
    }
    expect(paged).toEqual(r.items.map((i) => i.name)); // a subdir marker is skipped whole, never repeated
  });

  it('pages tombstones out: a page of many deletes ends early with a marker instead of reading the container', async () => {
    const entries: IndexEntry[] = [];
    for (let i = 0; i < 30_000; i++) entries.push(e(`gone${String(i).padStart(5, '0')}`, '2', true));
    entries.push(e('zlive', '1'));
    fill(entries);

    const before = rowsRead();
    const first = await mergeListings(fetchersOf(), { limit: 10 }, nameOf, { maxNames: 2_000 });
    expect(first.items).toEqual([]);
    expect(first.truncated).toBe(true);
    expect(first.nextMarker).toBeDefined();
    expect(rowsRead() - before).toBeLessThan(3 * (2_000 + 1_000 + 11));

    let marker = first.nextMarker;
    const found: string[] = [];
    for (let pages = 0; pages < 40 && marker !== undefined; pages++) {
      const start = rowsRead();
      const p = await mergeListings(fetchersOf(), { limit: 10, marker }, nameOf, { maxNames: 2_000 });
      expect(rowsRead() - start).toBeLessThan(3 * (2_000 + 1_000 + 11));
      found.push(...p.items.map((i) => i.name));
      marker = p.truncated ? p.nextMarker : undefined;
    }
    expect(found).toEqual(['zlive']);
  });

  it('still hides a subdir whose names are all deleted, and shows one with a live name after deletes', async () => {
    const a = source([e('d/1', '1'), e('d/2', '1'), e('k/1', '1', true), e('k/2', '1')]);
    const b = source([e('d/1', '2', true), e('d/2', '2', true), e('k/1', '1', true)]);
    const r = await mergeListings([a, b], { delimiter: '/', limit: 10 }, nameOf);
    expect(r.items.map((i) => i.name)).toEqual(['k/']);
  });
});
