/**
 * Errors that services raise. They carry a closed `code`; only the HTTP edge
 * (DomainExceptionFilter) turns a code into a status, so services and
 * libraries never depend on HTTP.
 */
export type DomainErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'TOO_MANY_REQUESTS'
  | 'UNAVAILABLE';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequestError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_REQUEST', message, options);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAUTHORIZED', message, options);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FORBIDDEN', message, options);
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', message, options);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFLICT', message, options);
  }
}

export class PreconditionFailedError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PRECONDITION_FAILED', message, options);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PAYLOAD_TOO_LARGE', message, options);
  }
}

export class RangeNotSatisfiableError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RANGE_NOT_SATISFIABLE', message, options);
  }
}

/** The caller must wait `retryAfterSeconds` before trying again (answered with a Retry-After header). */
export class TooManyRequestsError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('TOO_MANY_REQUESTS', message);
  }
}

/** A dependency (agent, backend, quorum, database) cannot serve right now. */
export class UnavailableError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
  }
}

/** HTTP status for each domain code; the single place where codes meet HTTP. */
export const DOMAIN_ERROR_STATUS: Readonly<Record<DomainErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
};
