import type { Timestamp } from '../clock/timestamp';
import { type EntryKind, parseKey } from '../storage/object-key';
import type { MultipartSummary, ReplicaVersion } from '../storage/replica-version';

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
  /** Set on a multipart object's manifest: the object's size, ETag and part count (size/etag above are the manifest's own). */
  multipart?: MultipartSummary;
}

export interface ListPage {
  /** Which entries: objects (the default), open uploads or parts; names are index names (see storage/object-key). */
  kind?: 'object' | 'upload' | 'part';
  prefix?: string;
  /** Exclusive start (by code point order). */
  marker?: string;
  limit: number;
}

/** The index row for a version of a key; throws for keys MCOS did not write. */
export function indexEntry(key: string, v: ReplicaVersion): IndexEntry {
  const parsed = parseKey(key);
  if (!parsed) throw new Error(`not an MCOS key: ${key}`);
  return {
    key,
    kind: parsed.kind,
    account: parsed.account,
    container: parsed.container,
    name: parsed.kind === 'container' ? '' : parsed.name,
    option: v.option,
    size: v.size,
    etag: v.etag,
    timestamp: v.timestamp,
    deleted: v.deleted,
    contentType: v.contentType,
    ...(v.multipart ? { multipart: v.multipart } : {}),
  };
}
