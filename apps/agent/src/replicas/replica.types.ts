import type { Timestamp } from '../clock/timestamp';

/**
 * One stored version of a key on one service: an object, a container record,
 * or a tombstone (deleted = true, empty body). Every replica carries its
 * ingress timestamp; the newest timestamp wins everywhere.
 */
export interface ReplicaVersion {
  timestamp: Timestamp;
  deleted: boolean;
  /** Storage option of the container the key belongs to. */
  option: string;
  size: number;
  /** MD5 hex of the body. */
  etag: string;
  contentType?: string;
  userMeta: Record<string, string>;
}

/** What a write of one replica did. */
export interface ReplicaWriteResult {
  /** False when the service already held this version or a newer one. */
  applied: boolean;
  /** The version the service holds after the call. */
  held: ReplicaVersion;
}

export interface ByteRange {
  start: number;
  /** Inclusive; undefined means to the end. */
  end?: number;
}
