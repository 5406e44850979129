import { BadRequestError, NotFoundError } from '@mcos/common';

/** The S3 names of the multipart failures a client acts on; the S3 door answers them as they are, /v1 by the domain code. */
export type MultipartFailure = 'NoSuchUpload' | 'InvalidPart' | 'InvalidPartOrder' | 'EntityTooSmall';

/** The upload id is unknown, finished, aborted, or belongs to another key: 404. */
export class NoSuchUploadError extends NotFoundError {
  readonly multipart: MultipartFailure = 'NoSuchUpload';
  constructor(uploadId: string) {
    super(`upload ${uploadId.slice(0, 80)} does not exist (unknown, completed or aborted)`);
  }
}

/** A Complete that names parts wrongly (missing, other ETag, out of order, too small): 400, nothing visible. */
export class CompleteRejectedError extends BadRequestError {
  constructor(
    readonly multipart: Exclude<MultipartFailure, 'NoSuchUpload'>,
    message: string,
  ) {
    super(message);
  }
}

export function multipartFailureOf(err: unknown): MultipartFailure | undefined {
  return err instanceof NoSuchUploadError || err instanceof CompleteRejectedError ? err.multipart : undefined;
}
