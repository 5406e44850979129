import { describe, expect, it } from '@jest/globals';
import { parseQuery } from '../auth/canonical-request';
import { resolveAddress } from '../request/addressing';
import { S3Error } from '../xml/s3-error';
import { routeS3, subResourceOf } from './s3-routes';

function route(method: string, pathAndQuery: string, headers: Record<string, string> = {}): string {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? '' : pathAndQuery.slice(q + 1);
  try {
    return routeS3(method, resolveAddress(path, 'h'), parseQuery(query), headers);
  } catch (e) {
    if (e instanceof S3Error) return `${e.code}`;
    throw e;
  }
}

describe('routeS3', () => {
  it.each([
    ['GET', '/', 'ListBuckets'],
    ['GET', '/?x-id=ListBuckets', 'ListBuckets'],
    ['PUT', '/', 'MethodNotAllowed'],
    ['GET', '/b', 'ListObjects'],
    ['GET', '/b/', 'ListObjects'],
    ['GET', '/b?prefix=a&delimiter=%2F&marker=m&max-keys=5&encoding-type=url', 'ListObjects'],
    ['GET', '/b?list-type=2&continuation-token=x&start-after=y&fetch-owner=true', 'ListObjectsV2'],
    ['PUT', '/b', 'CreateBucket'],
    ['HEAD', '/b', 'HeadBucket'],
    ['DELETE', '/b', 'DeleteBucket'],
    ['GET', '/b?location', 'GetBucketLocation'],
    ['GET', '/b?versioning', 'GetBucketVersioning'],
    ['PUT', '/b?versioning', 'NotImplemented'],
    ['GET', '/b?acl', 'GetBucketAcl'],
    ['PUT', '/b?acl', 'NotImplemented'],
    ['GET', '/b?versions&key-marker=k&version-id-marker=null', 'ListObjectVersions'],
    ['POST', '/b?delete', 'DeleteObjects'],
    ['POST', '/b?delete&x-id=DeleteObjects', 'DeleteObjects'],
    ['GET', '/b?uploads', 'ListMultipartUploads'],
    ['GET', '/b?uploads&prefix=a&delimiter=%2F&key-marker=k&upload-id-marker=u&max-uploads=5&encoding-type=url', 'ListMultipartUploads'],
    ['PUT', '/b?uploads', 'NotImplemented'],
    ['GET', '/b?lifecycle', 'NotImplemented'],
    ['PUT', '/b?policy', 'NotImplemented'],
    ['GET', '/b?cors', 'NotImplemented'],
    ['POST', '/b', 'NotImplemented'],
    ['PATCH', '/b', 'MethodNotAllowed'],
    ['PUT', '/b/k', 'PutObject'],
    ['PUT', '/b/k?x-id=PutObject', 'PutObject'],
    ['GET', '/b/k', 'GetObject'],
    ['GET', '/b/k?response-content-type=text%2Fplain&versionId=null', 'GetObject'],
    ['GET', '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00', 'GetObject'],
    ['HEAD', '/b/k', 'HeadObject'],
    ['DELETE', '/b/k', 'DeleteObject'],
    ['GET', '/b/k?acl', 'GetObjectAcl'],
    ['PUT', '/b/k?acl', 'NotImplemented'],
    ['POST', '/b/k?uploads', 'CreateMultipartUpload'],
    ['PUT', '/b/k?partNumber=1&uploadId=u', 'UploadPart'],
    ['PUT', '/b/k?uploadId=u&partNumber=1', 'UploadPart'],
    ['GET', '/b/k?uploadId=u&max-parts=5&part-number-marker=2', 'ListParts'],
    ['POST', '/b/k?uploadId=u', 'CompleteMultipartUpload'],
    ['DELETE', '/b/k?uploadId=u', 'AbortMultipartUpload'],
    ['PUT', '/b/k?uploadId=u', 'InvalidRequest'],
    ['PATCH', '/b/k?uploadId=u', 'MethodNotAllowed'],
    ['GET', '/b/k?partNumber=2', 'GetObjectPart'],
    ['HEAD', '/b/k?partNumber=2', 'HeadObjectPart'],
    ['PUT', '/b/k?partNumber=2', 'InvalidRequest'],
    ['GET', '/b/k?uploads', 'NotImplemented'],
    ['GET', '/b/k?tagging', 'NotImplemented'],
    ['PUT', '/b/k?retention', 'NotImplemented'],
    ['POST', '/b/k', 'NotImplemented'],
    ['OPTIONS', '/b/k', 'MethodNotAllowed'],
  ])('%s %s → %s', (method, path, expected) => {
    expect(route(method, path)).toBe(expected);
  });

  it('a PUT with x-amz-copy-source is CopyObject', () => {
    expect(route('PUT', '/b/k', { 'x-amz-copy-source': '/a/b' })).toBe('CopyObject');
    expect(route('PUT', '/b/k?partNumber=3&uploadId=u', { 'x-amz-copy-source': '/a/b' })).toBe('UploadPartCopy');
  });

  it('virtual-hosted style routes on the bucket from the Host', () => {
    const address = resolveAddress('/k', 'bucket.s3.local:9000', 's3.local');
    expect(routeS3('GET', address, [], {})).toBe('GetObject');
    expect(routeS3('GET', resolveAddress('/', 'bucket.s3.local', 's3.local'), parseQuery('location'), {})).toBe('GetBucketLocation');
  });

  it('names the sub-resource, never an argument', () => {
    expect(subResourceOf(parseQuery('prefix=a&list-type=2&x-id=ListObjectsV2'))).toBeUndefined();
    expect(subResourceOf(parseQuery('prefix=a&tagging'))).toBe('tagging');
  });
});
