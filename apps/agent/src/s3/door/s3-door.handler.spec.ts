import { PerUserLimiter } from '../../limits/per-user-limiter';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Agent, createServer, request, type Server } from 'node:http';
import type { LookupFunction } from 'node:net';
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { encodeKeyPath, MapCredentialStore, referenceSigner, TEST_KEY, wireQuery } from '../testing/reference-signer';
import { S3BucketOperations } from './bucket-operations';
import { S3ListingOperations } from './listing-operations';
import { S3ObjectOperations } from './object-operations';
import { S3DoorHandler } from './s3-door.handler';
import { FakeContainers, FakeObjects, fakeMap } from './s3-door.fakes';

const BOB = { accessKeyId: 'AKIDBOB0000000000000', secret: 'bob-secret-bob-secret-bob-secret-bob-sec', owner: 'bob' };

let server: Server;
let endpoint: string;
let containers: FakeContainers;
let objects: FakeObjects;

function client(key: { accessKeyId: string; secret: string } = TEST_KEY, extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secret },
    ...extra,
  });
}

async function failure(p: Promise<unknown>): Promise<{ code: string; status?: number; requestId?: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return { code: e.name, status: e.$metadata.httpStatusCode, requestId: e.$metadata.requestId };
    throw e;
  }
  throw new Error('expected the call to fail');
}

/** Polls a condition on the event loop (no timers), failing after a deadline. */
async function until(condition: () => boolean, deadlineMs = 5_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

beforeAll(async () => {
  Logger.overrideLogger(false);
  server = createServer((req, res) => handler.listener(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  Logger.overrideLogger(['error', 'warn', 'log']);
  await new Promise((resolve) => server.close(resolve));
});

let handler: S3DoorHandler;
let limit = 64;
beforeEach(() => {
  containers = new FakeContainers();
  objects = new FakeObjects(containers);
  const credentials = new MapCredentialStore({ [TEST_KEY.accessKeyId]: TEST_KEY, [BOB.accessKeyId]: BOB });
  const buckets = new S3BucketOperations(containers as never, fakeMap(['standard', 'gold']));
  handler = new S3DoorHandler(
    credentials,
    buckets,
    new S3ListingOperations(objects as never, buckets),
    new S3ObjectOperations(objects as never, buckets, { maxObjectBytes: 1 << 20, maxKeyBytes: 1024 }),
    { domain: 's3.test' },
    new PerUserLimiter(limit),
  );
});

describe('S3 door: buckets', () => {
  it('creates, lists, heads, locates and deletes buckets of the key owner', async () => {
    const s3 = client();
    await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'gold-bucket', CreateBucketConfiguration: { LocationConstraint: 'gold' as never } }));
    await s3.send(new CreateBucketCommand({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    expect(containers.records.get('alice/gold-bucket')?.option).toBe('gold');
    expect(containers.records.get('alice/eu-bucket')?.option).toBe('standard');
    expect(await failure(s3.send(new CreateBucketCommand({ Bucket: 'photos' })))).toMatchObject({ code: 'BucketAlreadyOwnedByYou', status: 409 });
    expect(await failure(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).toMatchObject({ code: 'InvalidBucketName', status: 400 });

    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).toEqual(['eu-bucket', 'gold-bucket', 'photos']);
    expect(list.Owner?.ID).toBe('alice');
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'gold-bucket' }))).LocationConstraint).toBe('gold');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'photos' }))).Status).toBeUndefined();
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: 'photos' }));
    expect(acl.Grants?.[0]).toMatchObject({ Permission: 'FULL_CONTROL', Grantee: { ID: 'alice' } });
    await s3.send(new HeadBucketCommand({ Bucket: 'photos' }));
    expect(await failure(s3.send(new HeadBucketCommand({ Bucket: 'nope' })))).toMatchObject({ status: 404 });

    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'a', Body: 'x' }));
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'photos' })))).toMatchObject({ code: 'BucketNotEmpty', status: 409 });
    await s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'a' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'photos' }));
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'photos' })))).toMatchObject({ code: 'NoSuchBucket', status: 404 });
  });

  it("another user's bucket is never seen: NoSuchBucket, never its content", async () => {
    await client().send(new CreateBucketCommand({ Bucket: 'private' }));
    await client().send(new PutObjectCommand({ Bucket: 'private', Key: 'secret', Body: 'alice only' }));
    const bob = client(BOB);
    expect(await failure(bob.send(new GetObjectCommand({ Bucket: 'private', Key: 'secret' })))).toMatchObject({ code: 'NoSuchBucket' });
    expect(await failure(bob.send(new ListObjectsV2Command({ Bucket: 'private' })))).toMatchObject({ code: 'NoSuchBucket' });
    expect((await bob.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    expect(await failure(bob.send(new CreateBucketCommand({ Bucket: 'private' })))).toMatchObject({ code: 'BucketAlreadyExists', status: 409 });
  });
});

describe('S3 door: objects', () => {
  beforeEach(async () => {
    await client().send(new CreateBucketCommand({ Bucket: 'bkt' }));
  });

  it.each([
    ['default settings (CRC32 checksum)', {}],
    ['checksums only when required', { requestChecksumCalculation: 'WHEN_REQUIRED' as const }],
  ])('PutObject and GetObject keep the bytes, ETag and metadata: %s', async (_label, extra) => {
    const s3 = client(TEST_KEY, extra);
    const body = Buffer.from('hello, door '.repeat(400));
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'bkt',
        Key: 'dir/a b+c%ü.txt',
        Body: body,
        ContentType: 'text/plain',
        ContentEncoding: 'identity',
        ContentDisposition: 'attachment; filename="a.txt"',
        CacheControl: 'max-age=60',
        Expires: new Date(Date.UTC(2037, 0, 1)),
        Metadata: { colour: 'blue', mtime: '1700000000.5' },
      }),
    );
    expect(put.ETag).toBe(`"${md5(body)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'dir/a b+c%ü.txt' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(got).toMatchObject({
      ETag: `"${md5(body)}"`,
      ContentType: 'text/plain',
      ContentEncoding: 'identity',
      ContentDisposition: 'attachment; filename="a.txt"',
      CacheControl: 'max-age=60',
      Metadata: { colour: 'blue', mtime: '1700000000.5' },
      ContentLength: body.length,
    });
    expect(got.ExpiresString ?? got.Expires?.toUTCString()).toContain('2037');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'dir/a b+c%ü.txt' }));
    expect(head).toMatchObject({ ETag: `"${md5(body)}"`, ContentLength: body.length, Metadata: { colour: 'blue', mtime: '1700000000.5' } });
    expect(head.LastModified?.getTime()).toBe(got.LastModified?.getTime());
  });

  it('a wrong Content-MD5 is BadDigest and stores nothing; so is a wrong CRC32', async () => {
    const s3 = client(TEST_KEY, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    const wrong = createHash('md5').update('other').digest('base64');
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k', Body: 'data', ContentMD5: wrong })))).toMatchObject({ code: 'BadDigest', status: 400 });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k', Body: 'data', ChecksumCRC32: 'AAAAAA==' })))).toMatchObject({ code: 'BadDigest' });
    expect(objects.data.size).toBe(0);
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k', Body: 'data', ContentMD5: createHash('md5').update('data').digest('base64') }));
    expect(objects.data.size).toBe(1);
  });

  it('bad input is a 4xx with nothing stored', async () => {
    const s3 = client();
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k'.repeat(1025), Body: 'x' })))).toMatchObject({ code: 'KeyTooLongError', status: 400 });
    // The backend's 1024-byte key holds o/alice/bkt/ too: 1012 bytes are left for the key.
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k'.repeat(1013), Body: 'x' })))).toMatchObject({ code: 'KeyTooLongError', status: 400 });
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k'.repeat(1012), Body: 'x', Metadata: { m: 'v'.repeat(1400) } }));
    objects.data.clear();
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k', Body: 'x', Metadata: { big: 'v'.repeat(2100) } })))).toMatchObject({ code: 'MetadataTooLarge', status: 400 });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k', Body: 'x', Metadata: { under_score: 'v' } })))).toMatchObject({ code: 'InvalidArgument', status: 400 });
    // x-amz-meta-* and representation headers share the store's 1.5 KiB.
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k', Body: 'x', Metadata: { m: 'v'.repeat(1400) }, CacheControl: 'c'.repeat(200) })))).toMatchObject({ code: 'MetadataTooLarge' });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'a/../k', Body: 'x' })))).toMatchObject({ status: 400 });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'big', Body: Buffer.alloc((1 << 20) + 1) })))).toMatchObject({ code: 'EntityTooLarge', status: 400 });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'missing', Key: 'k', Body: 'x' })))).toMatchObject({ code: 'NoSuchBucket', status: 404 });
    expect(objects.data.size).toBe(0);
  });

  it('Range (incl. suffix), 416 InvalidRange, conditional GETs and response-* overrides', async () => {
    const s3 = client();
    const body = Buffer.from('0123456789');
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'r', Body: body }));
    const part = await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'r', Range: 'bytes=2-4' }));
    expect(await part.Body!.transformToString()).toBe('234');
    expect(part.ContentRange).toBe('bytes 2-4/10');
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'r', Range: 'bytes=-3' }))).Body!.transformToString()).toBe('789');
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'r', Range: 'bytes=7-' }))).Body!.transformToString()).toBe('789');
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'r', Range: 'bytes=10-' })))).toMatchObject({ code: 'InvalidRange', status: 416 });

    const etag = `"${md5(body)}"`;
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'r', IfNoneMatch: etag })))).toMatchObject({ status: 304 });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'r', IfMatch: '"other"' })))).toMatchObject({ code: 'PreconditionFailed', status: 412 });
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'r', IfMatch: md5(body) }))).Body!.transformToString()).toBe('0123456789');
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'r', IfModifiedSince: new Date(Date.now() + 86_400_000 * 3650) })))).toMatchObject({ status: 304 });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'r', IfUnmodifiedSince: new Date(0) })))).toMatchObject({ code: 'PreconditionFailed' });
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'r', IfNoneMatch: etag })))).toMatchObject({ status: 304 });

    const over = await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'r', ResponseContentType: 'text/csv', ResponseContentDisposition: 'inline' }));
    expect(over).toMatchObject({ ContentType: 'text/csv', ContentDisposition: 'inline' });
    await over.Body!.transformToString();
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'missing' })))).toMatchObject({ code: 'NoSuchKey', status: 404 });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'r', VersionId: 'v2' })))).toMatchObject({ code: 'NoSuchVersion' });
  });

  it('conditional writes: If-None-Match: * and If-Match', async () => {
    const s3 = client();
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'c', Body: 'one', IfNoneMatch: '*' }));
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'c', Body: 'two', IfNoneMatch: '*' })))).toMatchObject({ code: 'PreconditionFailed', status: 412 });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'c', Body: 'two', IfMatch: '"nope"' })))).toMatchObject({ code: 'PreconditionFailed' });
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'c', Body: 'two', IfMatch: md5('one') }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'c' }))).Body!.transformToString()).toBe('two');
  });

  it('CopyObject within and across buckets, COPY and REPLACE (also onto itself), copy-source conditions', async () => {
    const s3 = client();
    await s3.send(new CreateBucketCommand({ Bucket: 'other' }));
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'src key', Body: 'copied bytes', ContentType: 'text/plain', Metadata: { a: '1' }, CacheControl: 'no-cache' }));
    const copy = await s3.send(new CopyObjectCommand({ Bucket: 'other', Key: 'dst', CopySource: 'bkt/src%20key' }));
    expect(copy.CopyObjectResult?.ETag).toBe(`"${md5('copied bytes')}"`);
    const dst = await s3.send(new HeadObjectCommand({ Bucket: 'other', Key: 'dst' }));
    expect(dst).toMatchObject({ ContentType: 'text/plain', Metadata: { a: '1' }, CacheControl: 'no-cache' });

    expect(await failure(s3.send(new CopyObjectCommand({ Bucket: 'bkt', Key: 'src key', CopySource: 'bkt/src%20key' })))).toMatchObject({ code: 'InvalidRequest', status: 400 });
    await s3.send(new CopyObjectCommand({ Bucket: 'bkt', Key: 'src key', CopySource: '/bkt/src%20key', MetadataDirective: 'REPLACE', Metadata: { mtime: '42' }, ContentType: 'text/x' }));
    const same = await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'src key' }));
    expect(await same.Body!.transformToString()).toBe('copied bytes');
    expect(same).toMatchObject({ ContentType: 'text/x', Metadata: { mtime: '42' } });

    expect(await failure(s3.send(new CopyObjectCommand({ Bucket: 'bkt', Key: 'x', CopySource: 'bkt/src%20key', CopySourceIfMatch: '"zzz"' })))).toMatchObject({ code: 'PreconditionFailed', status: 412 });
    await s3.send(new CopyObjectCommand({ Bucket: 'bkt', Key: 'x', CopySource: 'bkt/src%20key', CopySourceIfMatch: md5('copied bytes') }));
    expect(await failure(s3.send(new CopyObjectCommand({ Bucket: 'bkt', Key: 'y', CopySource: 'bkt/missing' })))).toMatchObject({ code: 'NoSuchKey' });
    expect(await failure(s3.send(new CopyObjectCommand({ Bucket: 'bkt', Key: 'y', CopySource: 'nobucket/k' })))).toMatchObject({ code: 'NoSuchBucket' });
    expect(await failure(s3.send(new CopyObjectCommand({ Bucket: 'bkt', Key: 'y', CopySource: 'justbucket' })))).toMatchObject({ code: 'InvalidArgument' });
  });

  it('DeleteObject answers 204 for a missing key; DeleteObjects answers per key, quietly when asked', async () => {
    const s3 = client();
    await s3.send(new DeleteObjectCommand({ Bucket: 'bkt', Key: 'never-was' }));
    expect(await failure(s3.send(new DeleteObjectCommand({ Bucket: 'nobucket', Key: 'k' })))).toMatchObject({ code: 'NoSuchBucket' });
    for (const k of ['d1', 'd2', 'd3']) await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: k, Body: k }));
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'bkt',
        Delete: { Objects: [{ Key: 'd1' }, { Key: 'd2', VersionId: 'null' }, { Key: 'gone' }, { Key: 'd3', VersionId: 'v9' }, { Key: 'a/../b' }] },
      }),
    );
    expect(out.Deleted?.map((d) => d.Key).sort()).toEqual(['d1', 'd2', 'gone']);
    expect(out.Errors?.map((e) => `${e.Key}:${e.Code}`).sort()).toEqual(['a/../b:InvalidArgument', 'd3:NoSuchVersion']);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: 'bkt', Delete: { Quiet: true, Objects: [{ Key: 'd3' }] } }));
    expect(quiet.Deleted ?? []).toEqual([]);
    expect(objects.data.size).toBe(0);
  });

  it('GetObjectAcl answers the owner with FULL_CONTROL', async () => {
    const s3 = client();
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k', Body: 'x' }));
    expect((await s3.send(new GetObjectAclCommand({ Bucket: 'bkt', Key: 'k' }))).Grants?.[0]?.Permission).toBe('FULL_CONTROL');
  });
});

describe('S3 door: listings', () => {
  beforeEach(async () => {
    const s3 = client();
    await s3.send(new CreateBucketCommand({ Bucket: 'lst' }));
    for (const k of ['a/1', 'a/2', 'b', 'c/x/y', 'c/z', 'd e+f%', 'é']) await s3.send(new PutObjectCommand({ Bucket: 'lst', Key: k, Body: k }));
  });

  it('V1 pages with delimiter, NextMarker whenever truncated, never repeating a common prefix', async () => {
    const s3 = client();
    const seen: string[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await s3.send(new ListObjectsCommand({ Bucket: 'lst', Delimiter: '/', MaxKeys: 1, Marker: marker }));
      seen.push(...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
      if (!page.IsTruncated) break;
      expect(page.NextMarker).toBeDefined();
      marker = page.NextMarker;
    }
    expect(seen).toEqual(['a/', 'b', 'c/', 'd e+f%', 'é']);
  });

  it('V2 pages with continuation tokens, start-after, KeyCount, fetch-owner and encoding-type=url', async () => {
    const s3 = client();
    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'lst', MaxKeys: 3, ContinuationToken: token }));
      expect(page.KeyCount).toBe((page.Contents ?? []).length);
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      if (!page.IsTruncated) break;
      token = page.NextContinuationToken;
      expect(token).toBeDefined();
    }
    expect(seen).toEqual(['a/1', 'a/2', 'b', 'c/x/y', 'c/z', 'd e+f%', 'é']);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'lst', StartAfter: 'c/z', FetchOwner: true }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(['d e+f%', 'é']);
    expect(after.Contents?.[0].Owner?.ID).toBe('alice');
    const encoded = await s3.send(new ListObjectsV2Command({ Bucket: 'lst', Prefix: 'd', EncodingType: 'url' }));
    expect(encoded.EncodingType).toBe('url');
    expect(encoded.Contents?.map((c) => decodeURIComponent(c.Key!))).toEqual(['d e+f%']);
    expect(await failure(s3.send(new ListObjectsV2Command({ Bucket: 'lst', ContinuationToken: '!!' })))).toMatchObject({ code: 'InvalidArgument' });
  });

  it('ListObjectVersions answers current objects with VersionId null', async () => {
    const v = await client().send(new ListObjectVersionsCommand({ Bucket: 'lst', Prefix: 'a/' }));
    expect(v.Versions?.map((x) => `${x.Key}@${x.VersionId}:${x.IsLatest}`)).toEqual(['a/1@null:true', 'a/2@null:true']);
  });

  it('an incomplete merged listing is 503 ServiceUnavailable, never a silently short list', async () => {
    containers.incomplete = true;
    expect(await failure(client().send(new ListObjectsV2Command({ Bucket: 'lst' })))).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
  });
});

describe('S3 door: virtual-hosted style', () => {
  /** Resolves every name to loopback, so `<bucket>.s3.test` reaches the test server. */
  const loopback: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };

  it('addresses the bucket by the Host under s3.domain; path style keeps working', async () => {
    const port = (server.address() as AddressInfo).port;
    const hosted = client(TEST_KEY, { endpoint: `http://s3.test:${port}`, forcePathStyle: false, requestHandler: { httpAgent: new Agent({ lookup: loopback }) } });
    await hosted.send(new CreateBucketCommand({ Bucket: 'vhost' }));
    await hosted.send(new PutObjectCommand({ Bucket: 'vhost', Key: 'dir/k', Body: 'virtually' }));
    expect(await (await hosted.send(new GetObjectCommand({ Bucket: 'vhost', Key: 'dir/k' }))).Body!.transformToString()).toBe('virtually');
    expect((await hosted.send(new ListObjectsV2Command({ Bucket: 'vhost' }))).Contents?.map((c) => c.Key)).toEqual(['dir/k']);
    expect(await (await client().send(new GetObjectCommand({ Bucket: 'vhost', Key: 'dir/k' }))).Body!.transformToString()).toBe('virtually');
  });
});

describe('S3 door: errors', () => {
  it('past the per-user limit of requests in flight the next is 503 SlowDown; other users go on', async () => {
    limit = 2;
    const buckets = new S3BucketOperations(containers as never, fakeMap(['standard']));
    const credentials = new MapCredentialStore({ [TEST_KEY.accessKeyId]: TEST_KEY, [BOB.accessKeyId]: BOB });
    handler = new S3DoorHandler(credentials, buckets, new S3ListingOperations(objects as never, buckets), new S3ObjectOperations(objects as never, buckets, { maxObjectBytes: 1 << 20, maxKeyBytes: 1024 }), {}, new PerUserLimiter(limit));
    limit = 64;
    const s3 = client(TEST_KEY, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    await s3.send(new CreateBucketCommand({ Bucket: 'slow' }));
    // Two uploads whose bodies stall take alice's two slots.
    const stalled = ['k1', 'k2'].map((Key) => {
      const body = new PassThrough();
      body.write('x');
      return { body, done: s3.send(new PutObjectCommand({ Bucket: 'slow', Key, Body: body, ContentLength: 10 })) };
    });
    await until(() => objects.puts.length === 2);
    expect(await failure(s3.send(new ListObjectsV2Command({ Bucket: 'slow' })))).toMatchObject({ code: 'SlowDown', status: 503 });
    await client(BOB).send(new ListBucketsCommand({}));
    for (const s of stalled) s.body.end('123456789');
    await Promise.all(stalled.map((s) => s.done));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'slow' }))).KeyCount).toBe(2);
  });

  it('a lost quorum is 503 ServiceUnavailable; a bug is a logged 500 InternalError with the request id', async () => {
    const s3 = client();
    await s3.send(new CreateBucketCommand({ Bucket: 'err' }));
    objects.unavailable = true;
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'err', Key: 'k', Body: 'x' })))).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    objects.brokenListing = true;
    const bug = await failure(s3.send(new ListObjectsV2Command({ Bucket: 'err' })));
    expect(bug).toMatchObject({ code: 'InternalError', status: 500 });
    expect(bug.requestId).toMatch(/^[0-9A-F]{16}$/);
  });

  it('unknown keys, wrong secrets, multipart and unknown sub-resources', async () => {
    expect(await failure(client({ accessKeyId: 'AKIDUNKNOWN000000000', secret: 'x' }).send(new ListBucketsCommand({})))).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
    expect(await failure(client({ ...TEST_KEY, secret: 'wrong' }).send(new ListBucketsCommand({})))).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
    await client().send(new CreateBucketCommand({ Bucket: 'mpu' }));
    expect(await failure(client().send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'k' })))).toMatchObject({ code: 'NotImplemented', status: 501 });
  });

  it('every answer carries x-amz-request-id, anonymous requests included; errors are S3 XML', async () => {
    const answer = await new Promise<{ status: number; id: unknown; body: string }>((resolve, reject) => {
      const r = request(`${endpoint}/bkt/k`, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, id: res.headers['x-amz-request-id'], body }));
      });
      r.on('error', reject);
      r.end();
    });
    expect(answer.status).toBe(403);
    expect(answer.id).toMatch(/^[0-9A-F]{16}$/);
    expect(answer.body).toContain('<Code>AccessDenied</Code>');
    expect(answer.body).toContain(`<RequestId>${answer.id as string}</RequestId>`);
    expect(answer.body).toContain('<Resource>/bkt/k</Resource>');
  });
});

describe('S3 door: hostile input', () => {
  /** Sends a request signed by the reference signer (UNSIGNED-PAYLOAD), answers its status and body. */
  async function signedSend(method: string, path: string, query: Record<string, string>, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
    const url = new URL(endpoint);
    const signed = await referenceSigner().sign(
      { method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query, headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers }, body: undefined },
      { signingDate: new Date() },
    );
    const q = wireQuery(query);
    return new Promise((resolve, reject) => {
      const r = request(`${endpoint}${path}${q ? `?${q}` : ''}`, { method, headers: { ...(signed.headers as Record<string, string>), 'content-length': String(body.length) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      r.on('error', reject);
      r.end(body);
    });
  }

  it('signed requests with random keys, sub-resources, headers and bodies get a 2xx/3xx/4xx (or 501), never a 500', async () => {
    await client().send(new CreateBucketCommand({ Bucket: 'fuzz' }));
    await client().send(new PutObjectCommand({ Bucket: 'fuzz', Key: 'there', Body: 'x' }));
    const printable = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
    const headerName = fc.constantFrom(
      'content-type', 'content-md5', 'range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'cache-control',
      'content-encoding', 'expires', 'x-amz-meta-a', 'x-amz-meta-b_c', 'x-amz-copy-source', 'x-amz-metadata-directive',
      'x-amz-copy-source-if-match', 'x-amz-checksum-crc32', 'x-amz-trailer', 'x-amz-decoded-content-length',
    );
    const seen = new Map<number, number>();
    const queryName = fc.constantFrom('acl', 'location', 'versions', 'delete', 'uploads', 'tagging', 'list-type', 'max-keys', 'marker', 'prefix', 'delimiter', 'encoding-type', 'continuation-token', 'versionId', 'response-content-type', 'x-id');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'HEAD', 'DELETE', 'POST'),
        fc.oneof(fc.constant(''), fc.constant('there'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 })),
        fc.dictionary(queryName, printable, { maxKeys: 3 }),
        fc.dictionary(headerName, printable, { maxKeys: 4 }),
        fc.uint8Array({ maxLength: 64 }),
        async (method, key, query, headers, body) => {
          const path = key === '' ? '/fuzz' : `/fuzz/${encodeKeyPath(key)}`;
          const answer = await signedSend(method, path, query, headers, Buffer.from(body));
          seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
          if (answer.status >= 500 && answer.status !== 501) throw new Error(`${method} ${path} ${JSON.stringify(query)} ${JSON.stringify(headers)} → ${answer.status} ${answer.body}`);
        },
      ),
      // The examples reach the data path for sure; the random runs mostly get 4xx.
      { numRuns: 150, examples: [['GET', 'there', {}, {}, new Uint8Array()], ['PUT', 'new key', {}, { 'content-type': 'text/plain' }, new Uint8Array([1, 2])], ['HEAD', 'there', {}, { 'if-none-match': '*' }, new Uint8Array()]] },
    );
    // The requests got past the signature check: many were served, not all refused.
    expect([...seen.entries()].filter(([status]) => status < 300).reduce((n, [, c]) => n + c, 0)).toBeGreaterThanOrEqual(2);
    expect(seen.get(403) ?? 0).toBeLessThan(150);
  });
});
