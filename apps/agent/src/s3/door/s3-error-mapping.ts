import { DomainError } from '@mcos/common';
import { S3Error } from '../xml/s3-error';

/**
 * The one translation of failures into S3 errors. S3Errors (from the
 * building blocks and the door) pass as they are; the data path's domain
 * errors become the S3 code a client expects for them; anything else is a
 * bug or an outage and answers undefined: the door logs it and sends
 * InternalError (500).
 *
 * `notFound` says what a NotFoundError means where it was thrown (the door
 * checks the bucket when an object is missing, so NoSuchKey is only said
 * about a bucket that exists).
 */
export function toS3Error(err: unknown, notFound: 'NoSuchBucket' | 'NoSuchKey' = 'NoSuchKey'): S3Error | undefined {
  if (err instanceof S3Error) return err;
  if (!(err instanceof DomainError)) return undefined;
  switch (err.code) {
    case 'NOT_FOUND':
      return new S3Error(notFound);
    case 'PRECONDITION_FAILED':
      return new S3Error('PreconditionFailed');
    case 'RANGE_NOT_SATISFIABLE':
      return new S3Error('InvalidRange');
    case 'PAYLOAD_TOO_LARGE':
      return new S3Error('EntityTooLarge');
    case 'BAD_REQUEST':
      return new S3Error('InvalidArgument', err.message);
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return new S3Error('AccessDenied');
    case 'CONFLICT':
      // A newer version of the key was written meanwhile (concurrent writers): this one did not take.
      return new S3Error('OperationAborted', err.message);
    case 'TOO_MANY_REQUESTS':
      return new S3Error('SlowDown');
    case 'UNAVAILABLE':
      // Quorum not reached, ring not built yet, too few agents answered:
      // retryable, and S3 clients retry 503 ServiceUnavailable by themselves.
      return new S3Error('ServiceUnavailable', 'The store cannot serve this request now; please retry.');
    default:
      return undefined;
  }
}
