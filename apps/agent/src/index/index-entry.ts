import type { Timestamp } from '../clock/timestamp';
import type { EntryKind } from '../storage/object-key';

/**
 * What the agent's own backend holds for one key: the newest version it has,
 * live or a tombstone. Containers and objects share the table; for a
 * container record `name` is ''.
 */
export interface IndexEntry {
  key: string;
  kind: EntryKind;
  account: string;
  container: string;
  name: string;
  option: string;
  size: number;
  etag: string;
  timestamp: Timestamp;
  deleted: boolean;
  contentType?: string;
}

export interface ListPage {
  prefix?: string;
  /** Exclusive start (by code point order). */
  marker?: string;
  limit: number;
}
