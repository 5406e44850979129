import { escapeXml } from './xml-writer';

/**
 * The S3 error codes this door answers, with S3's HTTP status and default
 * message. Clients switch on the code (and sometimes the status), so both
 * follow Amazon S3's published error list.
 */
export const S3_ERRORS = {
  AccessDenied: [403, 'Access Denied'],
  AuthorizationHeaderMalformed: [400, 'The authorization header is malformed.'],
  AuthorizationQueryParametersError: [400, 'The authorization query parameters are malformed.'],
  BadDigest: [400, 'The Content-MD5 or checksum you specified did not match what we received.'],
  BucketAlreadyExists: [409, 'The requested bucket name is not available. Please select a different name and try again.'],
  BucketAlreadyOwnedByYou: [409, 'Your previous request to create the named bucket succeeded and you already own it.'],
  BucketNotEmpty: [409, 'The bucket you tried to delete is not empty.'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed size.'],
  IncompleteBody: [400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'],
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  InvalidAccessKeyId: [403, 'The AWS access key Id you provided does not exist in our records.'],
  InvalidArgument: [400, 'Invalid Argument'],
  InvalidBucketName: [400, 'The specified bucket is not valid.'],
  InvalidDigest: [400, 'The Content-MD5 you specified is not valid.'],
  InvalidPart: [400, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."],
  InvalidPartOrder: [400, 'The list of parts was not in ascending order. Parts must be ordered by part number.'],
  EntityTooSmall: [400, 'Your proposed upload is smaller than the minimum allowed object size.'],
  InvalidRange: [416, 'The requested range is not satisfiable'],
  InvalidRequest: [400, 'Invalid Request'],
  InvalidURI: [400, "Couldn't parse the specified URI."],
  KeyTooLongError: [400, 'Your key is too long'],
  MalformedTrailerError: [400, 'The request contained trailing data that was not well-formed or did not conform to our published schema.'],
  MalformedXML: [400, 'The XML you provided was not well-formed or did not validate against our published schema'],
  MaxMessageLengthExceeded: [400, 'Your request was too big.'],
  MetadataTooLarge: [400, 'Your metadata headers exceed the maximum allowed metadata size.'],
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.'],
  MissingContentLength: [411, 'You must provide the Content-Length HTTP header.'],
  NoSuchBucket: [404, 'The specified bucket does not exist'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchVersion: [404, 'The specified version does not exist.'],
  NoSuchUpload: [404, 'The specified multipart upload does not exist.'],
  NotImplemented: [501, 'A header you provided implies functionality that is not implemented'],
  OperationAborted: [409, 'A conflicting conditional operation is currently in progress against this resource. Try again.'],
  PreconditionFailed: [412, 'At least one of the pre-conditions you specified did not hold'],
  RequestTimeTooSkewed: [403, "The difference between the request time and the server's time is too large."],
  ServiceUnavailable: [503, 'Please reduce your request rate.'],
  SignatureDoesNotMatch: [403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
  SlowDown: [503, 'Please reduce your request rate.'],
  XAmzContentSHA256Mismatch: [400, "The provided 'x-amz-content-sha256' header does not match what was computed."],
} as const satisfies Record<string, readonly [number, string]>;

export type S3ErrorCode = keyof typeof S3_ERRORS;

/**
 * An error the S3 door answers as S3's XML error document. Everything the
 * S3 building blocks reject with is an S3Error, so the door can map any
 * failure that is not one to a logged 500 without guessing.
 */
export class S3Error extends Error {
  readonly status: number;

  constructor(
    readonly code: S3ErrorCode,
    message?: string,
    /** The bucket or object path the error is about (`/bucket/key`). */
    readonly resource?: string,
    /** Extra elements S3 adds for some codes (e.g. `ServerTime`, `ArgumentName`). */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message ?? S3_ERRORS[code][1]);
    this.name = 'S3Error';
    this.status = S3_ERRORS[code][0];
  }

  /** The same error about a given resource (errors are made before the path is known). */
  withResource(resource: string): S3Error {
    return new S3Error(this.code, this.message, resource, this.details);
  }

  /** S3's `<Error>` document. The namespace is absent on purpose: S3 sends none on errors. */
  toXml(requestId: string): string {
    let extra = '';
    for (const [k, v] of Object.entries(this.details)) extra += `<${k}>${escapeXml(v)}</${k}>`;
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
      `<Code>${this.code}</Code><Message>${escapeXml(this.message)}</Message>` +
      (this.resource !== undefined ? `<Resource>${escapeXml(this.resource)}</Resource>` : '') +
      extra +
      `<RequestId>${escapeXml(requestId)}</RequestId></Error>`
    );
  }
}

export function isS3Error(e: unknown): e is S3Error {
  return e instanceof S3Error;
}
