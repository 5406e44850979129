import Database from 'better-sqlite3';
import { compareNames } from '../storage/object-key';
import type { MultipartSummary } from '../storage/replica-version';
import { decodeMultipartSummary, encodeMultipartSummary } from '../storage/stored-version';
import { IndexEntry, ListPage } from './index-entry';

interface Row {
  key: string;
  kind: string;
  account: string;
  container: string;
  name: string;
  option: string;
  size: number;
  etag: string;
  ts: string;
  deleted: number;
  content_type: string | null;
  /** A multipart manifest's summary (stored-version's encoding), else null. */
  mp: string | null;
}

/**
 * The local index: one row per key the agent's own backend holds (live or
 * tombstone), in a sqlite file under the agent's data dir. It is a cache of
 * the backend and can always be rebuilt from a scan of it. Names compare with
 * sqlite's BINARY collation, i.e. UTF-8 byte order.
 */
export class ObjectIndexRepository {
  private readonly db: Database.Database;
  private readonly stmts;
  private rowsRead = 0;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS entries (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        account TEXT NOT NULL,
        container TEXT NOT NULL,
        name TEXT NOT NULL,
        option TEXT NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        ts TEXT NOT NULL,
        deleted INTEGER NOT NULL,
        content_type TEXT
      );
      CREATE INDEX IF NOT EXISTS entries_listing ON entries (kind, account, container, name);
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
    `);
    // Indexes made before multipart uploads lack the column: add it (every old row is an ordinary object).
    const columns = this.db.prepare<[], { name: string }>('PRAGMA table_info(entries)').all();
    if (!columns.some((c) => c.name === 'mp')) this.db.exec('ALTER TABLE entries ADD COLUMN mp TEXT');
    this.stmts = {
      get: this.db.prepare<[string], Row>('SELECT * FROM entries WHERE key = ?'),
      upsert: this.db.prepare(`
        INSERT INTO entries (key, kind, account, container, name, option, size, etag, ts, deleted, content_type, mp)
        VALUES (@key, @kind, @account, @container, @name, @option, @size, @etag, @ts, @deleted, @content_type, @mp)
        ON CONFLICT(key) DO UPDATE SET
          kind = excluded.kind, account = excluded.account, container = excluded.container,
          name = excluded.name, option = excluded.option, size = excluded.size, etag = excluded.etag,
          ts = excluded.ts, deleted = excluded.deleted, content_type = excluded.content_type, mp = excluded.mp
        WHERE excluded.ts >= entries.ts`),
      remove: this.db.prepare<[string]>('DELETE FROM entries WHERE key = ?'),
      removeIfTs: this.db.prepare<[string, string]>('DELETE FROM entries WHERE key = ? AND ts = ?'),
      // Listings seek: one lower bound (after the marker, or from the prefix) and one upper bound
      // (the end of the prefix's range), both on the index, so a query reads only the rows it
      // returns however far into the container it starts (issue 13, point 9).
      listObjects: listingStatements(this.db, 'object', 'name', `account = @account AND container = @container`),
      listUploads: listingStatements(this.db, 'upload', 'name', `account = @account AND container = @container`),
      listParts: listingStatements(this.db, 'part', 'name', `account = @account AND container = @container`),
      listContainers: listingStatements(this.db, 'container', 'container', `account = @account`),
      scan: this.db.prepare<[string, number], Row>('SELECT * FROM entries WHERE key > ? ORDER BY key LIMIT ?'),
      count: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM entries'),
      objectStats: this.db.prepare<[], { option: string; objects: number; bytes: number }>(`
        SELECT option, coalesce(sum(kind = 'object'), 0) AS objects, coalesce(sum(size), 0) AS bytes FROM entries
        WHERE kind IN ('object', 'part') AND deleted = 0 GROUP BY option`),
      containerStats: this.db.prepare<[], { option: string; n: number }>(`
        SELECT option, count(*) AS n FROM entries WHERE kind = 'container' AND deleted = 0 GROUP BY option`),
      getMeta: this.db.prepare<[string], { v: string }>('SELECT v FROM meta WHERE k = ?'),
      setMeta: this.db.prepare<[string, string]>('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v'),
      clear: this.db.prepare('DELETE FROM entries'),
    };
  }

  get(key: string): IndexEntry | undefined {
    const row = this.stmts.get.get(key);
    return row && toEntry(row);
  }

  /** Records a version; an older timestamp than the one held is ignored. */
  upsert(entry: IndexEntry): void {
    this.stmts.upsert.run(toRow(entry));
  }

  upsertMany(entries: IndexEntry[]): void {
    this.db.transaction((all: IndexEntry[]) => all.forEach((e) => this.stmts.upsert.run(toRow(e))))(entries);
  }

  remove(key: string): void {
    this.stmts.remove.run(key);
  }

  /** Removes the row only if it still holds this version (no race with a newer write). */
  removeVersion(key: string, timestamp: string): boolean {
    return this.stmts.removeIfTs.run(key, timestamp).changes > 0;
  }

  /**
   * Objects of one container in name order, tombstones included; with
   * `page.kind` its open uploads or parts instead (by index name, see
   * storage/object-key: uploads by object name, parts by upload and number).
   */
  listObjects(account: string, container: string, page: ListPage): IndexEntry[] {
    const params = listParams(account, container, page);
    const stmts = page.kind === 'upload' ? this.stmts.listUploads : page.kind === 'part' ? this.stmts.listParts : this.stmts.listObjects;
    return this.counted(stmts.for(params).all(params));
  }

  /** Container records of one account in name order, tombstones included. */
  listContainers(account: string, page: ListPage): IndexEntry[] {
    const params = listParams(account, '', page);
    return this.counted(this.stmts.listContainers.for(params).all(params));
  }

  /**
   * Rows the listing queries have returned since this repository opened:
   * what a listing page cost this index (each query seeks by name and reads
   * only the rows it returns), for tests and diagnostics.
   */
  get listingRowsRead(): number {
    return this.rowsRead;
  }

  private counted(rows: Row[]): IndexEntry[] {
    this.rowsRead += rows.length;
    return rows.map(toEntry);
  }

  /** Every entry in key order after `afterKey`: the replicator's and auditor's walk. */
  scan(afterKey: string, limit: number): IndexEntry[] {
    return this.stmts.scan.all(afterKey, limit).map(toEntry);
  }

  count(): number {
    return this.stmts.count.get()!.n;
  }

  /** Live objects and the bytes this backend holds per option (a multipart object's bytes are its parts', held as their own keys). */
  objectStatsByOption(): Record<string, { objects: number; bytes: number }> {
    const out: Record<string, { objects: number; bytes: number }> = {};
    for (const r of this.stmts.objectStats.all()) out[r.option] = { objects: r.objects, bytes: r.bytes };
    return out;
  }

  containersByOption(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.stmts.containerStats.all()) out[r.option] = r.n;
    return out;
  }

  getMeta(key: string): string | undefined {
    return this.stmts.getMeta.get(key)?.v;
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  /** Replaces the whole content in one transaction (a rebuild from a backend scan). */
  replaceAll(entries: Iterable<IndexEntry>): number {
    let n = 0;
    this.db.transaction(() => {
      this.stmts.clear.run();
      for (const e of entries) {
        this.stmts.upsert.run(toRow(e));
        n++;
      }
    })();
    return n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface ListParams {
  account: string;
  container: string;
  /** Exclusive lower bound (the marker) or inclusive one (the prefix), whichever is higher. */
  from: string;
  fromInclusive: boolean;
  /** Exclusive upper bound: the first string after every name that starts with the prefix; undefined when none. */
  upto: string | undefined;
  limit: number;
}

function listParams(account: string, container: string, page: ListPage): ListParams {
  const marker = page.marker ?? '';
  const prefix = page.prefix ?? '';
  const fromPrefix = compareNames(prefix, marker) > 0;
  return { account, container, from: fromPrefix ? prefix : marker, fromInclusive: fromPrefix, upto: prefixEnd(prefix), limit: page.limit };
}

/** The four shapes of a listing query (lower bound inclusive or not, upper bound or none), prepared once. */
function listingStatements(db: Database.Database, kind: string, column: string, scope: string) {
  const prepare = (inclusive: boolean, bounded: boolean) =>
    db.prepare<[Omit<ListParams, 'fromInclusive' | 'upto'> & { upto?: string }], Row>(`
      SELECT * FROM entries
      WHERE kind = '${kind}' AND ${scope}
        AND ${column} ${inclusive ? '>=' : '>'} @from ${bounded ? `AND ${column} < @upto` : ''}
      ORDER BY ${column} LIMIT @limit`);
  const shapes = [prepare(false, false), prepare(false, true), prepare(true, false), prepare(true, true)];
  return {
    for(params: ListParams) {
      const stmt = shapes[(params.fromInclusive ? 2 : 0) + (params.upto !== undefined ? 1 : 0)];
      return { all: (p: ListParams) => stmt.all({ account: p.account, container: p.container, from: p.from, limit: p.limit, ...(p.upto !== undefined ? { upto: p.upto } : {}) }) };
    },
  };
}

/**
 * The smallest string above every string that starts with `prefix`, in
 * code point order (= UTF-8 byte order = sqlite's BINARY collation): the
 * prefix with its last code point incremented (carrying over U+10FFFF,
 * stepping over the surrogates); undefined for '' or all U+10FFFF.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return String.fromCodePoint(...points, next);
    }
  }
  return undefined;
}

function toRow(e: IndexEntry): Row {
  return {
    key: e.key,
    kind: e.kind,
    account: e.account,
    container: e.container,
    name: e.name,
    option: e.option,
    size: e.size,
    etag: e.etag,
    ts: e.timestamp,
    deleted: e.deleted ? 1 : 0,
    content_type: e.contentType ?? null,
    mp: e.multipart ? encodeMultipartSummary(e.multipart) : null,
  };
}

function toEntry(r: Row): IndexEntry {
  return {
    key: r.key,
    kind: r.kind as IndexEntry['kind'],
    account: r.account,
    container: r.container,
    name: r.name,
    option: r.option,
    size: r.size,
    etag: r.etag,
    timestamp: r.ts,
    deleted: r.deleted === 1,
    contentType: r.content_type ?? undefined,
    ...withMultipart(decodeMultipartSummary(r.mp ?? undefined)),
  };
}

function withMultipart(m: MultipartSummary | undefined): Pick<IndexEntry, 'multipart'> {
  return m ? { multipart: m } : {};
}
