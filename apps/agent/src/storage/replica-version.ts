import type { Readable } from 'node:stream';
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
  /**
   * Representation headers kept with the version and sent back on reads
   * (lower-case names: content-encoding, content-disposition, cache-control,
   * expires), as S3 keeps them. Absent or empty when the writer set none.
   */
  objectHeaders?: Record<string, string>;
  /**
   * Set when this version is a multipart object's manifest (the body is the
   * part list, see storage/multipart-manifest): the object's own size, ETag
   * (`<md5 of the parts' md5s>-N`) and part count. `size` and `etag` above
   * stay those of the stored body, so replication and the auditor treat the
   * manifest like any replica.
   */
  multipart?: MultipartSummary;
}

export interface MultipartSummary {
  size: number;
  etag: string;
  parts: number;
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

/** A range as served: both ends inclusive and known. */
export interface ServedRange {
  start: number;
  end: number;
}

/** A new version on its way: `size` and `etag` are sent when known up front. */
export type OutgoingVersion = Omit<ReplicaVersion, 'size' | 'etag'> & { size?: number; etag?: string };

/** One replica opened for reading. */
export interface ReplicaRead {
  version: ReplicaVersion;
  body: Readable;
  /** Set when a range was served (the whole size is `version.size`). */
  range?: ServedRange;
}
