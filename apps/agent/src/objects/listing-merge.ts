import type { IndexEntry } from '../index/index-entry';
import { compareNames } from '../storage/object-key';

/** Fetches one page of a source's index after `marker` (exclusive), in name order. */
export type PageFetcher = (marker: string, limit: number) => Promise<IndexEntry[]>;

export interface MergeQuery {
  prefix?: string;
  delimiter?: string;
  marker?: string;
  limit: number;
}

export type ListedItem = { kind: 'entry'; name: string; entry: IndexEntry } | { kind: 'subdir'; name: string };

export interface MergeResult {
  items: ListedItem[];
  /** True when more names follow the last item. */
  truncated: boolean;
  /** Sources that failed; their names may be missing. */
  failed: number;
}

/**
 * Merges the index listings of several agents into one listing: names in
 * code point order, each name once with its newest version, tombstones
 * hidden, names under a common prefix (delimiter) rolled into one `subdir`.
 * Each source is read page by page, so memory stays at sources x pageSize
 * whatever the container's size. `nameOf` picks the listed name of an entry
 * (object name, or container name).
 */
export async function mergeListings(
  fetchers: PageFetcher[],
  query: MergeQuery,
  nameOf: (e: IndexEntry) => string,
  pageSize = 1000,
): Promise<MergeResult> {
  const prefix = query.prefix ?? '';
  const sources = fetchers.map((fetch) => ({ fetch, buffer: [] as IndexEntry[], next: 0, cursor: query.marker ?? '', done: false, failed: false }));
  const items: ListedItem[] = [];
  let lastSubdir: string | undefined;

  const refill = async () => {
    await Promise.all(
      sources.map(async (s) => {
        if (s.done || s.next < s.buffer.length) return;
        try {
          const page = await s.fetch(s.cursor, pageSize);
          s.buffer = page;
          s.next = 0;
          if (page.length < pageSize) s.done = true;
          if (page.length > 0) s.cursor = nameOf(page[page.length - 1]);
        } catch {
          s.failed = true;
          s.done = true;
          s.buffer = [];
          s.next = 0;
        }
      }),
    );
  };

  for (;;) {
    await refill();
    // The smallest name at the head of any source; only names up to every
    // live source's buffered end are complete, and each refill keeps that true.
    let head: string | undefined;
    for (const s of sources) {
      if (s.next < s.buffer.length) {
        const n = nameOf(s.buffer[s.next]);
        if (head === undefined || compareNames(n, head) < 0) head = n;
      }
    }
    if (head === undefined) return { items, truncated: false, failed: sources.filter((s) => s.failed).length };
    let newest: IndexEntry | undefined;
    for (const s of sources) {
      if (s.next < s.buffer.length && nameOf(s.buffer[s.next]) === head) {
        const e = s.buffer[s.next++];
        if (!newest || e.timestamp > newest.timestamp) newest = e;
      }
    }
    if (!newest || newest.deleted || !head.startsWith(prefix)) continue;
    let item: ListedItem = { kind: 'entry', name: head, entry: newest };
    if (query.delimiter) {
      const at = head.indexOf(query.delimiter, prefix.length);
      if (at >= 0) {
        const subdir = head.slice(0, at + query.delimiter.length);
        if (subdir === lastSubdir) continue;
        lastSubdir = subdir;
        item = { kind: 'subdir', name: subdir };
      }
    }
    if (items.length === query.limit) return { items, truncated: true, failed: sources.filter((s) => s.failed).length };
    items.push(item);
  }
}
