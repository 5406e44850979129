/**
 * The closed set of errors an {@link ObjectBackend} may throw. Drivers map
 * vendor errors onto these at their edge and keep the original as `cause`,
 * so services and the HTTP layer only ever switch on `code`.
 *
 * Arguments that only a bug can produce (a `limit` outside 1..10000, a
 * `size` that is not a safe integer) throw plain `RangeError`/`TypeError`;
 * everything that can come from a user (key, metadata, range, body) throws
 * one of these.
 */
export type BackendErrorCode =
  | 'OBJECT_NOT_FOUND'
  | 'PRECONDITION_FAILED'
  | 'INVALID_KEY'
  | 'INVALID_METADATA'
  | 'INVALID_RANGE'
  | 'BODY_STREAM_ERROR'
  | 'BACKEND_CONFLICT'
  | 'BACKEND_UNAVAILABLE';

export abstract class BackendError extends Error {
  abstract readonly code: BackendErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The key does not exist (get, head). Maps to 404. */
export class ObjectNotFoundError extends BackendError {
  readonly code = 'OBJECT_NOT_FOUND' as const;

  constructor(readonly key: string, options?: { cause?: unknown }) {
    super(`object not found: ${JSON.stringify(key)}`, options);
  }
}

/** A create-only write (`ifNoneMatch`) found the key already present. Maps to 412. */
export class PreconditionFailedError extends BackendError {
  readonly code = 'PRECONDITION_FAILED' as const;

  constructor(readonly key: string, options?: { cause?: unknown }) {
    super(`object already exists: ${JSON.stringify(key)}`, options);
  }
}

/** The key breaks the key rules (empty, too long, NUL/control characters, reserved prefix...). Maps to 400. */
export class InvalidKeyError extends BackendError {
  readonly code = 'INVALID_KEY' as const;

  constructor(readonly key: string, reason: string, options?: { cause?: unknown }) {
    super(`invalid key ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}: ${reason}`, options);
  }
}

/** Content type or metadata names/values break the metadata rules. Maps to 400. */
export class InvalidMetadataError extends BackendError {
  readonly code = 'INVALID_METADATA' as const;
}

/** The requested range cannot be served (start beyond the last byte, end < start...). Maps to 416. */
export class InvalidRangeError extends BackendError {
  readonly code = 'INVALID_RANGE' as const;
}

/**
 * The body stream given to `put` failed, or its length differed from the
 * announced `size`. Nothing was stored. The stream's own error is `cause`.
 * Maps to 400 (or to "client went away").
 */
export class BodyStreamError extends BackendError {
  readonly code = 'BODY_STREAM_ERROR' as const;
}

/** A concurrent operation on the same key conflicted; retrying may succeed. Maps to 409. */
export class BackendConflictError extends BackendError {
  readonly code = 'BACKEND_CONFLICT' as const;
}

/**
 * The backend could not do the operation: network failure, timeout, 5xx,
 * bad credentials, missing bucket, disk full or I/O error, corrupt stored
 * object. Callers fail over to another replica. Maps to 503.
 */
export class BackendUnavailableError extends BackendError {
  readonly code = 'BACKEND_UNAVAILABLE' as const;
}

export function isBackendError(err: unknown): err is BackendError {
  return err instanceof BackendError;
}
