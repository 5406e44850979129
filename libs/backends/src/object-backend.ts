import type { Readable } from 'node:stream';

/** Driver names; a new driver adds its name here and a branch in `createBackend`. */
export type BackendKind = 'fs' | 's3' | 'swift' | 'azure';

/**
 * What the caller stores beside the bytes.
 *
 * Rules (checked identically by every driver, see `assertValidMeta`):
 * - `contentType`: printable ASCII, at most 255 characters; absent means
 *   `application/octet-stream` (that is what reads then return).
 * - metadata names (both maps): 1..128 characters of `[a-z0-9-]` (lower case:
 *   several backends fold the case of names, so MCOS never relies on it).
 * - values: any well-formed Unicode string (drivers encode where the backend
 *   needs ASCII, e.g. S3 headers) — no NUL.
 * - sum of UTF-8 bytes of all names and values of both maps ≤ 2048.
 */
export interface ObjectMeta {
  contentType?: string;
  /** The user's `X-Object-Meta-*` pairs, kept verbatim. */
  userMeta?: Record<string, string>;
  /** Opaque MCOS bookkeeping (ingress timestamp, tombstone flag, ...); backends never interpret it. */
  systemMeta?: Record<string, string>;
}

export interface PutOptions {
  /** Create-only: fail with `PreconditionFailedError` if the key already exists. */
  ifNoneMatch?: boolean;
  /** Announced body length; if the stream yields another length the put fails with `BodyStreamError`. */
  size?: number;
  /**
   * The MD5 (lower-case hex) of exactly the bytes `body` yields, when the
   * caller hashes them itself on the way (the agent's fan-out does, for the
   * ETag it checks every replica against): the driver then records it
   * instead of hashing the same bytes a second time. It must settle once the
   * body has ended; a rejection fails the put with `BodyStreamError`. Never
   * pass a digest of anything but these very bytes: the driver trusts it.
   */
  knownMd5?: PromiseLike<string>;
}

/** What a backend knows about one stored object. */
export interface StoredObjectInfo {
  key: string;
  size: number;
  /** Lower-case hex MD5 of the whole content (not a multipart ETag). */
  etag: string;
  /** When the backend stored this version (precision depends on the backend: S3 gives seconds). */
  lastModified: Date;
  contentType: string;
  userMeta: Record<string, string>;
  systemMeta: Record<string, string>;
}

/** Byte range, both ends inclusive (as HTTP `Range: bytes=start-end`). */
export interface ByteRange {
  start: number;
  /** Inclusive; absent means "to the last byte". Values past the last byte are clamped to it. */
  end?: number;
}

export interface GetResult {
  info: StoredObjectInfo;
  /** The requested bytes. The caller MUST consume or destroy it (it holds a file or a connection). */
  body: Readable;
  /** The range actually served (end clamped), present only when a range was asked. */
  range?: { start: number; end: number };
}

export interface ListOptions {
  /** Only keys starting with this string. */
  prefix?: string;
  /** Only keys strictly after this one (exclusive, in list order). */
  marker?: string;
  /** Page size, 1..10000, default 1000. */
  limit?: number;
}

export interface ListResult {
  items: StoredObjectInfo[];
  /** True when more keys follow; call again with `marker: nextMarker`. */
  truncated: boolean;
  /** The last key of this page, present when `truncated`. */
  nextMarker?: string;
}

export interface CapacityInfo {
  /** Absent when the backend cannot tell (most object stores). */
  totalBytes?: number;
  usedBytes?: number;
}

export interface ProbeResult {
  /** Decimal megabytes (10^6 bytes) per second. */
  writeMBps: number;
  readMBps: number;
}

/**
 * One storage backend: a flat namespace of keys → (bytes, metadata).
 *
 * This abstract class is the Nest DI token for "the backend of this agent";
 * drivers (`FsBackend`, `S3Backend`, ...) extend it and are built by
 * `createBackend` from validated config. No vendor type appears here.
 *
 * Keys (checked identically by every driver, see `assertValidKey`):
 * non-empty, at most `maxKeyBytes` UTF-8 bytes (1024 unless a driver says
 * less, e.g. S3 with a key prefix), well-formed Unicode, no control
 * characters (U+0000–U+001F, U+007F). `/` has no special meaning: `a/../b`,
 * `/x` and `x/` are ordinary, distinct keys, and no key can reach outside the
 * backend's namespace. Keys beginning with `.mcos-` are reserved for the
 * backend's own use (probe objects, staging) → `InvalidKeyError`.
 *
 * Order: keys are ordered by their UTF-8 bytes (= Unicode code point order),
 * as S3 does; `compareKeys` implements it and every driver lists in it.
 *
 * Errors: only the `BackendError` subclasses of `backend.errors.ts`.
 */
export abstract class ObjectBackend {
  abstract readonly kind: BackendKind;

  /** Longest key accepted, in UTF-8 bytes. */
  abstract readonly maxKeyBytes: number;

  /**
   * Stores `body` under `key`, replacing any existing object (unless
   * `ifNoneMatch`). The MD5 and the size are computed while streaming.
   *
   * Atomic: readers see either the previous object or the complete new one
   * (bytes and metadata together), never a partial one. If the body stream
   * fails, nothing changes: the previous object (if any) stays as it was.
   * Idempotent in effect: repeating the same put gives the same object.
   *
   * The body: errors thrown before reading starts (invalid key or metadata,
   * create-only on an existing key) leave it untouched — the caller may
   * still drain it; once reading has started, a failure destroys it.
   *
   * @throws InvalidKeyError, InvalidMetadataError before reading the body
   * @throws PreconditionFailedError `ifNoneMatch` and the key exists
   * @throws BodyStreamError the body failed or its length ≠ `opts.size`
   * @throws BackendConflictError, BackendUnavailableError
   */
  abstract put(key: string, body: Readable, meta: ObjectMeta, opts?: PutOptions): Promise<StoredObjectInfo>;

  /**
   * Opens the object for reading, optionally a byte range of it. The info
   * and the body are of the same version even if the key is overwritten
   * meanwhile. The body may still fail mid-way (network) with a plain stream
   * error.
   *
   * Range: `start` must be an integer ≥ 0 and < size, `end` ≥ `start`;
   * an `end` past the last byte is clamped. Any range on an empty object is
   * unsatisfiable.
   *
   * @throws ObjectNotFoundError, InvalidKeyError
   * @throws InvalidRangeError the range cannot be served
   * @throws BackendUnavailableError
   */
  abstract get(key: string, range?: ByteRange): Promise<GetResult>;

  /**
   * @throws ObjectNotFoundError, InvalidKeyError, BackendUnavailableError
   */
  abstract head(key: string): Promise<StoredObjectInfo>;

  /**
   * Removes the object. Idempotent and silent: deleting a missing key
   * succeeds (as S3 does; telling "was there" apart would cost a round trip
   * on most stores — use `head` when it matters).
   *
   * @throws InvalidKeyError, BackendConflictError, BackendUnavailableError
   */
  abstract delete(key: string): Promise<void>;

  /**
   * One page of objects in key order (UTF-8 byte order), reserved keys
   * excluded. Iterate with `marker = nextMarker` while `truncated`. A
   * listing is not a snapshot: keys written or deleted meanwhile may or may
   * not appear.
   *
   * @throws BackendUnavailableError
   */
  abstract list(opts?: ListOptions): Promise<ListResult>;

  /**
   * What the backend can tell about its size. Never throws for "unknown":
   * fields are simply absent.
   *
   * @throws BackendUnavailableError
   */
  abstract capacity(): Promise<CapacityInfo>;

  /**
   * Measures throughput: writes, reads back (verifying the MD5) and deletes a
   * probe object of a few MiB under the reserved prefix `.mcos-probe/`.
   *
   * @throws BackendUnavailableError (also when the read-back does not match)
   */
  abstract probe(): Promise<ProbeResult>;

  /** One line for logs; never contains secrets. */
  abstract describe(): string;

  /** Releases connections / handles. No other method may be called after it. Idempotent. */
  abstract close(): Promise<void>;
}
