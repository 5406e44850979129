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
  /** True when more names may follow: read on from `nextMarker`. */
  truncated: boolean;
  /** Where the next page starts (exclusive); set when truncated. May be past the last item (names that turned out deleted). */
  nextMarker?: string;
  /** Sources that failed; their names may be missing. */
  failed: number;
}

export interface MergeBudget {
  /** Largest page asked of one source at once. */
  pageSize?: number;
  /**
   * Most names (live or deleted, counted once whatever the number of
   * sources holding them) one page may walk through. A page that reaches it
   * ends early, truncated, with `nextMarker` where it stopped: a container
   * with many recent deletes costs bounded work per page, not a read of
   * every tombstone before the next live name.
   */
  maxNames?: number;
}

/**
 * After a rolled-up prefix, a source seeks to just past every name that
 * starts with it: `prefix + U+10FFFF`, the largest code point, is above each
 * such name but for those that continue with U+10FFFF itself (they roll into
 * the same subdir and are skipped one by one).
 */
const PAST = '\u{10FFFF}';
/** What a source is asked for right after a seek: most subdirs need one name to be known live. */
const SEEK_PAGE = 16;

/**
 * Merges the index listings of several agents into one listing: names in
 * code point order, each name once with its newest version, tombstones
 * hidden, names under a common prefix (delimiter) rolled into one `subdir`.
 * Each source is read page by page, so memory stays at sources x pageSize
 * whatever the container's size.
 *
 * The work of one page is bounded too (issue 13, point 9): once a subdir is
 * listed every source seeks past it instead of reading the names under it,
 * a marker that is a subdir is skipped the same way, and a page walks
 * through at most `maxNames` names (see MergeBudget). A source's page size
 * starts at what the page still needs and doubles while it keeps reading on,
 * so a small page or a seek reads few rows. `nameOf` picks the listed name
 * of an entry (object name, or container name).
 */
export async function mergeListings(
  fetchers: PageFetcher[],
  query: MergeQuery,
  nameOf: (e: IndexEntry) => string,
  budget: MergeBudget | number = {},
): Promise<MergeResult> {
  const { pageSize = 1000, maxNames = Infinity } = typeof budget === 'number' ? { pageSize: budget } : budget;
  const prefix = query.prefix ?? '';
  const delimiter = query.delimiter || undefined;
  const firstPage = Math.min(pageSize, query.limit + 1);
  let lastSubdir: string | undefined;
  let cursor = query.marker ?? '';
  // A marker that is itself a subdir (a previous page's nextMarker) was listed whole: skip it.
  if (delimiter && cursor !== '' && rollUp(cursor, prefix, delimiter) === cursor) {
    lastSubdir = cursor;
    cursor += PAST;
  }
  const sources = fetchers.map((fetch) => ({ fetch, buffer: [] as IndexEntry[], next: 0, cursor, want: firstPage, done: false, failed: false }));
  const items: ListedItem[] = [];
  let walked = 0;
  let lastName: string | undefined;
  const failedCount = () => sources.filter((s) => s.failed).length;

  const refill = async () => {
    await Promise.all(
      sources.map(async (s) => {
        if (s.done || s.next < s.buffer.length) return;
        try {
          const want = s.want;
          const page = await s.fetch(s.cursor, want);
          s.buffer = page;
          s.next = 0;
          s.want = Math.min(pageSize, want * 2);
          if (page.length < want) s.done = true;
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

  /** Every source drops the names under `subdir` it holds, and seeks past them when that empties its buffer. */
  const skipPast = (subdir: string) => {
    for (const s of sources) {
      while (s.next < s.buffer.length && nameOf(s.buffer[s.next]).startsWith(subdir)) s.next++;
      if (s.next === s.buffer.length && !s.done && compareNames(s.cursor, subdir + PAST) < 0) {
        s.cursor = subdir + PAST;
        s.want = Math.min(pageSize, SEEK_PAGE);
      }
    }
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
    if (head === undefined) return { items, truncated: false, failed: failedCount() };
    if (walked >= maxNames && lastName !== undefined) {
      return { items, truncated: true, nextMarker: lastName, failed: failedCount() };
    }
    walked++;
    let newest: IndexEntry | undefined;
    for (const s of sources) {
      if (s.next < s.buffer.length && nameOf(s.buffer[s.next]) === head) {
        const e = s.buffer[s.next++];
        if (!newest || e.timestamp > newest.timestamp) newest = e;
      }
    }
    if (!newest || newest.deleted || !head.startsWith(prefix)) {
      lastName = head;
      continue;
    }
    let item: ListedItem = { kind: 'entry', name: head, entry: newest };
    const subdir = delimiter ? rollUp(head, prefix, delimiter) : undefined;
    if (subdir !== undefined) {
      if (subdir === lastSubdir) {
        lastName = head;
        continue;
      }
      item = { kind: 'subdir', name: subdir };
    }
    if (items.length === query.limit) return { items, truncated: true, nextMarker: items[items.length - 1].name, failed: failedCount() };
    items.push(item);
    lastName = item.name;
    if (subdir !== undefined) {
      lastSubdir = subdir;
      skipPast(subdir);
    }
  }
}

/** The subdir a name rolls into (prefix + up to and including the first delimiter after it), or undefined. */
function rollUp(name: string, prefix: string, delimiter: string): string | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const at = name.indexOf(delimiter, prefix.length);
  return at >= 0 ? name.slice(0, at + delimiter.length) : undefined;
}
