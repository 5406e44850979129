import type { IndexEntry } from '../index/index-entry';
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
