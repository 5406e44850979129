import { describe, expect, it } from '@jest/globals';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  RangeNotSatisfiableError,
  TooManyRequestsError,
  UnauthorizedError,
  UnavailableError,
} from '@mcos/common';
import { S3Error } from '../xml/s3-error';
import { toS3Error } from './s3-error-mapping';

describe('toS3Error', () => {
  it('passes S3Errors as they are', () => {
    const e = new S3Error('BadDigest');
    expect(toS3Error(e)).toBe(e);
  });

  it.each([
    [new NotFoundError('object x not found'), 'NoSuchKey', 404],
    [new PreconditionFailedError('exists'), 'PreconditionFailed', 412],
    [new RangeNotSatisfiableError('no'), 'InvalidRange', 416],
    [new PayloadTooLargeError('big'), 'EntityTooLarge', 400],
    [new BadRequestError('bad name'), 'InvalidArgument', 400],
    [new UnauthorizedError('who'), 'AccessDenied', 403],
    [new ForbiddenError('no'), 'AccessDenied', 403],
    [new ConflictError('a newer version of this key was written meanwhile'), 'OperationAborted', 409],
    [new TooManyRequestsError('slow', 1), 'SlowDown', 503],
    [new UnavailableError('only 1 of 2 replicas'), 'ServiceUnavailable', 503],
  ])('%p → %s (%d)', (err, code, status) => {
    const s3 = toS3Error(err);
    expect(s3?.code).toBe(code);
    expect(s3?.status).toBe(status);
  });

  it('says NoSuchBucket where a missing thing is a bucket', () => {
    expect(toS3Error(new NotFoundError('container c not found'), 'NoSuchBucket')?.code).toBe('NoSuchBucket');
  });

  it('leaves anything else to the door as an internal error', () => {
    expect(toS3Error(new Error('boom'))).toBeUndefined();
    expect(toS3Error(new TypeError('x is undefined'))).toBeUndefined();
    expect(toS3Error('a string')).toBeUndefined();
  });
});
