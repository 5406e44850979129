import { ArgumentsHost, Catch } from '@nestjs/common';
import { isBackendError } from '@mcos/backends';
import {
  BadRequestError,
  ConflictError,
  DomainExceptionFilter,
  NotFoundError,
  PreconditionFailedError,
  RangeNotSatisfiableError,
  UnavailableError,
} from '@mcos/common';
import { PeerRejectedError, PeerUnavailableError } from '../peers/peer.errors';
import { ChecksumMismatchError } from '../streams/verify-md5';

/**
 * The agent's global filter: backend and peer errors are first translated to
 * domain errors (the one place that knows them all), then the shared filter
 * maps those to HTTP.
 */
@Catch()
export class AgentExceptionFilter extends DomainExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    super.catch(translate(exception), host);
  }
}

export function translate(err: unknown): unknown {
  if (isBackendError(err)) {
    switch (err.code) {
      case 'INVALID_KEY':
      case 'INVALID_METADATA':
      case 'BODY_STREAM_ERROR':
        return new BadRequestError(err.message, { cause: err });
      case 'INVALID_RANGE':
        return new RangeNotSatisfiableError(err.message, { cause: err });
      case 'PRECONDITION_FAILED':
        return new PreconditionFailedError(err.message, { cause: err });
      case 'OBJECT_NOT_FOUND':
        return new NotFoundError(err.message, { cause: err });
      case 'BACKEND_CONFLICT':
        return new ConflictError(err.message, { cause: err });
      case 'BACKEND_UNAVAILABLE':
        return new UnavailableError(err.message, { cause: err });
    }
  }
  if (err instanceof PeerUnavailableError || err instanceof ChecksumMismatchError) return new UnavailableError(err.message, { cause: err });
  if (err instanceof PeerRejectedError) {
    if (err.status === 416) return new RangeNotSatisfiableError(err.message, { cause: err });
    if (err.status === 412) return new PreconditionFailedError(err.message, { cause: err });
    if (err.status === 400) return new BadRequestError(err.message, { cause: err });
    return new UnavailableError(err.message, { cause: err });
  }
  return err;
}
