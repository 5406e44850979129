import type { QueryParam } from '../auth/canonical-request';
import type { S3Address } from '../request/addressing';
import { S3Error } from '../xml/s3-error';

/** The S3 operations the door serves. */
export type S3Operation =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'HeadBucket'
  | 'DeleteBucket'
  | 'GetBucketLocation'
  | 'GetBucketVersioning'
  | 'GetBucketAcl'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'ListObjectVersions'
  | 'DeleteObjects'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'GetObjectAcl'
  // Multipart uploads (multipart-operations.ts); GetObjectPart/HeadObjectPart are GetObject/HeadObject with ?partNumber.
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'ListParts'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListMultipartUploads'
  | 'GetObjectPart'
  | 'HeadObjectPart';

/**
 * Query parameters that are arguments of an operation, not sub-resources.
 * Any other parameter names a sub-resource (`?acl`, `?tagging`, `?uploads` …):
 * the door serves the few it knows and answers NotImplemented for the rest,
 * rather than mistaking `PUT /b/k?tagging` for a PutObject.
 */
const ARGUMENTS = new Set([
  'prefix',
  'delimiter',
  'marker',
  'max-keys',
  'encoding-type',
  'list-type',
  'continuation-token',
  'start-after',
  'fetch-owner',
  'key-marker',
  'version-id-marker',
  'versionId',
  'max-buckets',
  'bucket-region',
  // Multipart listings' arguments (`uploads`, `uploadId` and `partNumber` name the multipart sub-resources).
  'max-parts',
  'part-number-marker',
  'max-uploads',
  'upload-id-marker',
  // The AWS SDK v3 names the operation in the query (`?x-id=PutObject`).
  'x-id',
]);

function isArgument(name: string): boolean {
  return ARGUMENTS.has(name) || name.startsWith('response-') || name.startsWith('X-Amz-') || name.startsWith('x-amz-');
}

/** The sub-resource a request names, if any (the first one: S3 requests name at most one). */
export function subResourceOf(params: readonly QueryParam[]): string | undefined {
  for (const p of params) if (!isArgument(p.name)) return p.name;
  return undefined;
}

function notImplemented(what: string): S3Error {
  return new S3Error('NotImplemented', `${what} is not implemented by this S3 endpoint.`);
}

function methodNotAllowed(method: string): S3Error {
  return new S3Error('MethodNotAllowed', undefined, undefined, { Method: method.slice(0, 16), ResourceType: 'OBJECT' });
}

/**
 * Which operation a request is, from its method, what it addresses (service,
 * bucket or object), its sub-resource and, for PUT object, whether it copies.
 * Throws NotImplemented for S3 operations this store does not offer
 * (multipart uploads, ACL and policy writes, tagging …) and MethodNotAllowed
 * for methods S3 has no meaning for.
 */
export function routeS3(method: string, address: S3Address, params: readonly QueryParam[], headers: Readonly<Record<string, string | undefined>>): S3Operation {
  const sub = subResourceOf(params);
  if (address.bucket === undefined) {
    if (sub !== undefined) throw notImplemented(`The service-level ?${sub}`);
    if (method === 'GET') return 'ListBuckets';
    throw methodNotAllowed(method);
  }
  if (address.key === undefined) return bucketOperation(method, sub, params);
  return objectOperation(method, sub, params, headers);
}

function bucketOperation(method: string, sub: string | undefined, params: readonly QueryParam[]): S3Operation {
  switch (sub) {
    case undefined:
      switch (method) {
        case 'GET':
          return params.some((p) => p.name === 'list-type' && p.value === '2') ? 'ListObjectsV2' : 'ListObjects';
        case 'PUT':
          return 'CreateBucket';
        case 'HEAD':
          return 'HeadBucket';
        case 'DELETE':
          return 'DeleteBucket';
        case 'POST':
          throw notImplemented('POST object (browser-based upload)');
        default:
          throw methodNotAllowed(method);
      }
    case 'location':
      if (method === 'GET') return 'GetBucketLocation';
      break;
    case 'versioning':
      if (method === 'GET') return 'GetBucketVersioning';
      break;
    case 'acl':
      if (method === 'GET') return 'GetBucketAcl';
      break;
    case 'versions':
      if (method === 'GET') return 'ListObjectVersions';
      break;
    case 'delete':
      if (method === 'POST') return 'DeleteObjects';
      break;
    case 'uploads':
      if (method === 'GET') return 'ListMultipartUploads';
      break;
  }
  throw notImplemented(`${method} ?${sub}`);
}

function objectOperation(method: string, sub: string | undefined, params: readonly QueryParam[], headers: Readonly<Record<string, string | undefined>>): S3Operation {
  if (sub === 'uploads' || sub === 'uploadId' || sub === 'partNumber') return multipartOperation(method, params, headers);
  if (sub === 'acl') {
    if (method === 'GET') return 'GetObjectAcl';
    throw notImplemented(`${method} ?acl (ACL writes)`);
  }
  if (sub !== undefined) throw notImplemented(`${method} ?${sub}`);
  switch (method) {
    case 'PUT':
      return headers['x-amz-copy-source'] !== undefined ? 'CopyObject' : 'PutObject';
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return 'DeleteObject';
    case 'POST':
      throw notImplemented(`POST on an object`);
    default:
      throw methodNotAllowed(method);
  }
}

/**
 * The multipart rows, by which of `uploads`, `uploadId` and `partNumber` the
 * query holds (in any order): POST ?uploads creates; with an uploadId, PUT
 * ?partNumber uploads (or copies) a part, GET lists parts, POST completes,
 * DELETE aborts; GET/HEAD with only ?partNumber read one part of an object.
 */
function multipartOperation(method: string, params: readonly QueryParam[], headers: Readonly<Record<string, string | undefined>>): S3Operation {
  const has = (name: string) => params.some((p) => p.name === name);
  if (has('uploads')) {
    if (method === 'POST' && !has('uploadId') && !has('partNumber')) return 'CreateMultipartUpload';
    throw notImplemented(`${method} ?uploads`);
  }
  if (has('uploadId')) {
    switch (method) {
      case 'PUT':
        if (!has('partNumber')) throw new S3Error('InvalidRequest', 'An UploadPart needs both partNumber and uploadId.');
        return headers['x-amz-copy-source'] !== undefined ? 'UploadPartCopy' : 'UploadPart';
      case 'GET':
        return 'ListParts';
      case 'POST':
        return 'CompleteMultipartUpload';
      case 'DELETE':
        return 'AbortMultipartUpload';
      default:
        throw methodNotAllowed(method);
    }
  }
  if (method === 'GET') return 'GetObjectPart';
  if (method === 'HEAD') return 'HeadObjectPart';
  throw new S3Error('InvalidRequest', 'partNumber without uploadId is only for GET and HEAD of an object.');
}
