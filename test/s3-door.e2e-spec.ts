/**
 * The S3 door on real processes: a controller and three fs agents, each
 * with its S3 listener on, driven by the AWS SDK v3 (default settings, which
 * add CRC32 checksums, and `requestChecksumCalculation: 'WHEN_REQUIRED'`).
 * Every operation of issue 14 goes through a real quorum data path; the
 * cross-door checks read what one door wrote through the other door at
 * another agent.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import fc from 'fast-check';
import { request } from 'node:http';
import { encodeKeyPath, referenceSigner, wireQuery } from '../apps/agent/src/s3/testing/reference-signer';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AgentProcess, ControllerProcess, freePort, http, makeTempDir, removeTempDir, UserClient, waitFor } from './support';

jest.setTimeout(180_000);

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

async function failure(p: Promise<unknown>): Promise<{ code: string; status?: number; requestId?: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return { code: e.name, status: e.$metadata.httpStatusCode, requestId: e.$metadata.requestId };
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('S3 door (controller + 3 agents, S3 on every agent)', () => {
  let dir: string;
  let controller: ControllerProcess;
  const agents: AgentProcess[] = [];
  const s3Urls: string[] = [];
  let alice: Key;
  let bob: Key;
  let aliceV1: UserClient;

  function s3(agent: number, key: Key = alice, extra: Partial<S3ClientConfig> = {}): S3Client {
    return new S3Client({
      region: 'us-east-1',
      endpoint: s3Urls[agent],
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      ...extra,
    });
  }

  async function makeUser(token: string, username: string): Promise<Key> {
    const user = await http('POST', `${controller.url}/v1/users`, { token, body: { username, password: `${username}-password-e2e`, role: 'user' } });
    if (user.status !== 201) throw new Error(`create ${username}: ${user.status} ${JSON.stringify(user.body)}`);
    const key = await http<Key>('POST', `${controller.url}/v1/users/${username}/keys`, { token, body: {} });
    if (key.status !== 201) throw new Error(`key for ${username}: ${key.status} ${JSON.stringify(key.body)}`);
    return { accessKeyId: key.body.accessKeyId, secretAccessKey: key.body.secretAccessKey };
  }

  beforeAll(async () => {
    dir = makeTempDir('mcos-s3-door-');
    mkdirSync(join(dir, 'controller'));
    controller = await ControllerProcess.start({ dir: join(dir, 'controller') });
    for (let i = 1; i <= 3; i++) {
      const port = await freePort();
      agents.push(await AgentProcess.start({ name: `s3-agent-${i}`, region: `region-${i}`, controllerUrl: controller.url, dir: join(dir, `a${i}`), settings: { s3: { host: '127.0.0.1', port } } }));
      s3Urls.push(`http://127.0.0.1:${port}`);
    }
    await Promise.all(agents.map((a) => a.waitUntilServing()));
    const token = await controller.login();
    alice = await makeUser(token, 'alice');
    bob = await makeUser(token, 'bob');
    aliceV1 = await UserClient.login(agents[1].url, 'alice', 'alice-password-e2e');
    // Every agent learns the new keys from the controller within its refresh interval.
    for (let i = 0; i < 3; i++) {
      for (const key of [alice, bob]) {
        await waitFor(
          async () => {
            try {
              await s3(i, key).send(new ListBucketsCommand({}));
              return true;
            } catch {
              return false;
            }
          },
          { timeoutMs: 30_000, description: `agent ${i + 1} knows ${key.accessKeyId}` },
        );
      }
    }
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await controller?.stop();
    if (dir) removeTempDir(dir);
  });

  it('buckets: create (option by LocationConstraint), re-create, list, head, location, versioning, ACL, delete, BucketNotEmpty, at any agent', async () => {
    await s3(0).send(new CreateBucketCommand({ Bucket: 'photos' }));
    await s3(0).send(new CreateBucketCommand({ Bucket: 'single-copy', CreateBucketConfiguration: { LocationConstraint: 'single' as never } }));
    await s3(0).send(new CreateBucketCommand({ Bucket: 'aws-region', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    expect(await failure(s3(1).send(new CreateBucketCommand({ Bucket: 'photos' })))).toMatchObject({ code: 'BucketAlreadyOwnedByYou', status: 409 });
    expect(await failure(s3(1).send(new CreateBucketCommand({ Bucket: 'No_Such_Name' })))).toMatchObject({ code: 'InvalidBucketName', status: 400 });

    expect((await s3(2).send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['aws-region', 'photos', 'single-copy']);
    await s3(2).send(new HeadBucketCommand({ Bucket: 'photos' }));
    expect((await s3(1).send(new GetBucketLocationCommand({ Bucket: 'single-copy' }))).LocationConstraint).toBe('single');
    expect((await s3(1).send(new GetBucketLocationCommand({ Bucket: 'aws-region' }))).LocationConstraint).toBe('standard');
    expect((await s3(2).send(new GetBucketVersioningCommand({ Bucket: 'photos' }))).Status).toBeUndefined();
    expect((await s3(2).send(new GetBucketAclCommand({ Bucket: 'photos' }))).Grants?.[0]).toMatchObject({ Permission: 'FULL_CONTROL', Grantee: { ID: 'alice' } });
    // The same container through /v1.
    expect((await aliceV1.request('GET', '/v1/containers/single-copy')).status).toBe(200);

    await s3(0).send(new PutObjectCommand({ Bucket: 'aws-region', Key: 'k', Body: 'x' }));
    expect(await failure(s3(1).send(new DeleteBucketCommand({ Bucket: 'aws-region' })))).toMatchObject({ code: 'BucketNotEmpty', status: 409 });
    await s3(2).send(new DeleteObjectCommand({ Bucket: 'aws-region', Key: 'k' }));
    await s3(1).send(new DeleteBucketCommand({ Bucket: 'aws-region' }));
    expect(await failure(s3(0).send(new HeadBucketCommand({ Bucket: 'aws-region' })))).toMatchObject({ status: 404 });
  });

  it("another user's bucket: never its content", async () => {
    await s3(0).send(new PutObjectCommand({ Bucket: 'photos', Key: 'private.txt', Body: 'alice only' }));
    expect(await failure(s3(1, bob).send(new GetObjectCommand({ Bucket: 'photos', Key: 'private.txt' })))).toMatchObject({ code: 'NoSuchBucket', status: 404 });
    expect(await failure(s3(1, bob).send(new ListObjectsV2Command({ Bucket: 'photos' })))).toMatchObject({ code: 'NoSuchBucket' });
    expect(await failure(s3(1, bob).send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'private.txt' })))).toMatchObject({ code: 'NoSuchBucket' });
    expect((await s3(0).send(new HeadObjectCommand({ Bucket: 'photos', Key: 'private.txt' }))).ContentLength).toBe(10);
    expect(await failure(s3(2, bob).send(new CreateBucketCommand({ Bucket: 'photos' })))).toMatchObject({ code: 'BucketAlreadyExists', status: 409 });
  });

  it.each([
    ['default settings (CRC32)', {}],
    ['WHEN_REQUIRED', { requestChecksumCalculation: 'WHEN_REQUIRED' as const }],
  ])('PutObject/GetObject/HeadObject across agents, 4 KiB and 3 MiB, metadata and representation headers kept: %s', async (_label, extra) => {
    for (const size of [4096, 3 << 20]) {
      const body = randomBytes(size);
      const key = `objects/${size}/ü +%.bin`;
      const put = await s3(0, alice, extra).send(
        new PutObjectCommand({
          Bucket: 'photos',
          Key: key,
          Body: body,
          ContentType: 'image/png',
          ContentEncoding: 'identity',
          ContentDisposition: 'attachment; filename="x.png"',
          CacheControl: 'max-age=3600',
          Expires: new Date(Date.UTC(2037, 0, 1)),
          Metadata: { mtime: '1700000000.5', colour: 'blue' },
        }),
      );
      expect(put.ETag).toBe(`"${md5(body)}"`);
      const got = await s3(2, alice, extra).send(new GetObjectCommand({ Bucket: 'photos', Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
      expect(got).toMatchObject({
        ETag: `"${md5(body)}"`,
        ContentLength: size,
        ContentType: 'image/png',
        ContentEncoding: 'identity',
        ContentDisposition: 'attachment; filename="x.png"',
        CacheControl: 'max-age=3600',
        Metadata: { mtime: '1700000000.5', colour: 'blue' },
      });
      expect(got.ExpiresString ?? got.Expires?.toUTCString()).toContain('2037');
      const head = await s3(1).send(new HeadObjectCommand({ Bucket: 'photos', Key: key }));
      expect(head).toMatchObject({ ETag: `"${md5(body)}"`, ContentLength: size, CacheControl: 'max-age=3600' });
      expect(head.LastModified?.getTime()).toBe(got.LastModified?.getTime());
    }
  });

  it('a streamed upload of unknown length (lib-storage Upload, aws-chunked with a CRC32 trailer)', async () => {
    const data = randomBytes(300_000);
    const upload = new Upload({ client: s3(1), params: { Bucket: 'photos', Key: 'streamed', Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]) } });
    await upload.done();
    const got = await s3(2).send(new GetObjectCommand({ Bucket: 'photos', Key: 'streamed' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    expect(got.ETag).toBe(`"${md5(data)}"`);
  });

  it('bad input is a 4xx and nothing is stored: Content-MD5, CRC32, metadata, key length', async () => {
    const strict = s3(0, alice, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    expect(await failure(strict.send(new PutObjectCommand({ Bucket: 'photos', Key: 'bad-md5', Body: 'data', ContentMD5: createHash('md5').update('other').digest('base64') })))).toMatchObject({ code: 'BadDigest', status: 400 });
    expect(await failure(strict.send(new PutObjectCommand({ Bucket: 'photos', Key: 'bad-crc', Body: 'data', ChecksumCRC32: 'AAAAAA==' })))).toMatchObject({ code: 'BadDigest', status: 400 });
    expect(await failure(strict.send(new PutObjectCommand({ Bucket: 'photos', Key: 'big-meta', Body: 'x', Metadata: { m: 'v'.repeat(2100) } })))).toMatchObject({ code: 'MetadataTooLarge', status: 400 });
    expect(await failure(strict.send(new PutObjectCommand({ Bucket: 'photos', Key: 'k'.repeat(1025), Body: 'x' })))).toMatchObject({ code: 'KeyTooLongError', status: 400 });
    for (const key of ['bad-md5', 'bad-crc', 'big-meta']) {
      expect((await aliceV1.getObject('photos', key)).status).toBe(404);
      expect(await failure(s3(2).send(new HeadObjectCommand({ Bucket: 'photos', Key: key })))).toMatchObject({ status: 404 });
    }
    await strict.send(new PutObjectCommand({ Bucket: 'photos', Key: 'good-md5', Body: 'data', ContentMD5: createHash('md5').update('data').digest('base64') }));
  });

  it('Range (suffix too), 416 InvalidRange, conditional GETs (304/412) and response-* overrides', async () => {
    const body = Buffer.from('0123456789abcdef');
    await s3(0).send(new PutObjectCommand({ Bucket: 'photos', Key: 'range', Body: body }));
    const c = s3(1);
    const part = await c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'range', Range: 'bytes=3-6' }));
    expect(await part.Body!.transformToString()).toBe('3456');
    expect(part.ContentRange).toBe('bytes 3-6/16');
    expect(await (await c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'range', Range: 'bytes=-4' }))).Body!.transformToString()).toBe('cdef');
    expect(await failure(c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'range', Range: 'bytes=16-' })))).toMatchObject({ code: 'InvalidRange', status: 416 });
    const etag = `"${md5(body)}"`;
    expect(await failure(c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'range', IfNoneMatch: etag })))).toMatchObject({ status: 304 });
    expect(await failure(c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'range', IfMatch: '"0000"' })))).toMatchObject({ code: 'PreconditionFailed', status: 412 });
    expect(await failure(c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'range', IfUnmodifiedSince: new Date(Date.now() - 86_400_000) })))).toMatchObject({ status: 412 });
    expect(await failure(c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'range', IfModifiedSince: new Date(Date.now() + 86_400_000) })))).toMatchObject({ status: 304 });
    const ok = await c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'range', IfMatch: md5(body), ResponseContentType: 'text/csv', ResponseCacheControl: 'no-store' }));
    expect(ok).toMatchObject({ ContentType: 'text/csv', CacheControl: 'no-store' });
    expect(await ok.Body!.transformToString()).toBe(body.toString());
    expect(await failure(c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'nothing-here' })))).toMatchObject({ code: 'NoSuchKey', status: 404 });
  });

  it('conditional writes: If-None-Match: * and If-Match', async () => {
    await s3(0).send(new PutObjectCommand({ Bucket: 'photos', Key: 'cond', Body: 'first', IfNoneMatch: '*' }));
    expect(await failure(s3(1).send(new PutObjectCommand({ Bucket: 'photos', Key: 'cond', Body: 'second', IfNoneMatch: '*' })))).toMatchObject({ code: 'PreconditionFailed', status: 412 });
    expect(await failure(s3(2).send(new PutObjectCommand({ Bucket: 'photos', Key: 'cond', Body: 'second', IfMatch: '"00"' })))).toMatchObject({ code: 'PreconditionFailed' });
    await s3(2).send(new PutObjectCommand({ Bucket: 'photos', Key: 'cond', Body: 'second', IfMatch: `"${md5('first')}"` }));
    expect(await (await s3(0).send(new GetObjectCommand({ Bucket: 'photos', Key: 'cond' }))).Body!.transformToString()).toBe('second');
  });

  it('CopyObject within and across buckets, COPY/REPLACE, onto itself, copy-source conditions', async () => {
    const body = randomBytes(2 << 20);
    await s3(0).send(new CreateBucketCommand({ Bucket: 'backup' }));
    await s3(0).send(new PutObjectCommand({ Bucket: 'photos', Key: 'orig nal', Body: body, ContentType: 'image/jpeg', Metadata: { a: '1' }, ContentDisposition: 'inline' }));
    const copied = await s3(1).send(new CopyObjectCommand({ Bucket: 'backup', Key: 'copy', CopySource: `photos/${encodeURIComponent('orig nal')}` }));
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5(body)}"`);
    const back = await s3(2).send(new GetObjectCommand({ Bucket: 'backup', Key: 'copy' }));
    expect(Buffer.from(await back.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(back).toMatchObject({ ContentType: 'image/jpeg', Metadata: { a: '1' }, ContentDisposition: 'inline' });

    expect(await failure(s3(1).send(new CopyObjectCommand({ Bucket: 'photos', Key: 'orig nal', CopySource: 'photos/orig%20nal' })))).toMatchObject({ code: 'InvalidRequest', status: 400 });
    await s3(1).send(new CopyObjectCommand({ Bucket: 'photos', Key: 'orig nal', CopySource: '/photos/orig%20nal', MetadataDirective: 'REPLACE', Metadata: { mtime: '1700000001' }, ContentType: 'image/webp' }));
    const same = await s3(2).send(new HeadObjectCommand({ Bucket: 'photos', Key: 'orig nal' }));
    expect(same).toMatchObject({ ETag: `"${md5(body)}"`, ContentType: 'image/webp', Metadata: { mtime: '1700000001' }, ContentLength: body.length });

    expect(await failure(s3(0).send(new CopyObjectCommand({ Bucket: 'backup', Key: 'c2', CopySource: 'photos/orig%20nal', CopySourceIfNoneMatch: `"${md5(body)}"` })))).toMatchObject({ code: 'PreconditionFailed', status: 412 });
    await s3(0).send(new CopyObjectCommand({ Bucket: 'backup', Key: 'c2', CopySource: 'photos/orig%20nal', CopySourceIfMatch: md5(body) }));
    expect(await failure(s3(0).send(new CopyObjectCommand({ Bucket: 'backup', Key: 'c3', CopySource: 'photos/missing' })))).toMatchObject({ code: 'NoSuchKey' });
  });

  it('DeleteObject (204 when missing) and DeleteObjects (per-key answers, Quiet, VersionId null)', async () => {
    await s3(0).send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'never-existed' }));
    await s3(0).send(new CreateBucketCommand({ Bucket: 'trash' }));
    const keys = Array.from({ length: 40 }, (_, i) => `t/${String(i).padStart(3, '0')}`);
    await Promise.all(keys.map((k) => s3(keys.indexOf(k) % 3).send(new PutObjectCommand({ Bucket: 'trash', Key: k, Body: k }))));
    const out = await s3(1).send(
      new DeleteObjectsCommand({ Bucket: 'trash', Delete: { Objects: [...keys.slice(0, 20).map((Key) => ({ Key, VersionId: 'null' })), { Key: 'not-there' }, { Key: 't/020', VersionId: 'other' }] } }),
    );
    expect(out.Deleted?.length).toBe(21);
    expect(out.Errors?.map((e) => `${e.Key}:${e.Code}`)).toEqual(['t/020:NoSuchVersion']);
    const quiet = await s3(2).send(new DeleteObjectsCommand({ Bucket: 'trash', Delete: { Quiet: true, Objects: keys.slice(20).map((Key) => ({ Key })) } }));
    expect(quiet.Deleted ?? []).toEqual([]);
    expect(quiet.Errors ?? []).toEqual([]);
    expect((await s3(0).send(new ListObjectsV2Command({ Bucket: 'trash' }))).KeyCount).toBe(0);
    await s3(0).send(new DeleteBucketCommand({ Bucket: 'trash' }));
  });

  it('listings: V1 and V2 paging with delimiter, start-after, encoding-type=url, versions; the same view as /v1', async () => {
    await s3(0).send(new CreateBucketCommand({ Bucket: 'tree' }));
    const keys = ['a/1', 'a/2', 'a/b/3', 'b', 'c d+e%f', 'z/é/1', 'é'];
    for (const [i, k] of keys.entries()) await s3(i % 3).send(new PutObjectCommand({ Bucket: 'tree', Key: k, Body: k }));
    const v1: string[] = [];
    let marker: string | undefined;
    for (let n = 0; n < 20; n++) {
      const page = await s3(1).send(new ListObjectsCommand({ Bucket: 'tree', Delimiter: '/', MaxKeys: 2, Marker: marker }));
      v1.push(...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
      if (!page.IsTruncated) break;
      marker = page.NextMarker;
    }
    expect(v1.sort()).toEqual(['a/', 'b', 'c d+e%f', 'z/', 'é']);

    const v2: string[] = [];
    let token: string | undefined;
    for (let n = 0; n < 20; n++) {
      const page = await s3(2).send(new ListObjectsV2Command({ Bucket: 'tree', MaxKeys: 3, ContinuationToken: token }));
      v2.push(...(page.Contents ?? []).map((c) => c.Key!));
      if (!page.IsTruncated) break;
      token = page.NextContinuationToken;
    }
    expect(v2).toEqual(keys);
    const after = await s3(0).send(new ListObjectsV2Command({ Bucket: 'tree', StartAfter: 'b', Prefix: '', FetchOwner: true, EncodingType: 'url' }));
    expect(after.EncodingType).toBe('url');
    expect(after.Contents?.map((c) => decodeURIComponent(c.Key!))).toEqual(['c d+e%f', 'z/é/1', 'é']);
    expect(after.Contents?.[0].Owner?.ID).toBe('alice');
    const sub = await s3(0).send(new ListObjectsV2Command({ Bucket: 'tree', Prefix: 'a/', Delimiter: '/' }));
    expect(sub.Contents?.map((c) => c.Key)).toEqual(['a/1', 'a/2']);
    expect(sub.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/b/']);
    expect(sub.KeyCount).toBe(3);
    const versions = await s3(1).send(new ListObjectVersionsCommand({ Bucket: 'tree', Prefix: 'a/' }));
    expect(versions.Versions?.map((v) => `${v.Key}:${v.VersionId}`)).toEqual(['a/1:null', 'a/2:null', 'a/b/3:null']);
    const viaV1 = (await aliceV1.request('GET', '/v1/containers/tree/objects')).json<{ objects: { name: string; etag: string }[] }>();
    expect(viaV1.objects.map((o) => o.name)).toEqual(keys);
    expect(viaV1.objects.map((o) => o.etag)).toEqual(keys.map((k) => md5(k)));
  });

  it('one store, two doors: written through S3 at agent 1, read through /v1 at agent 2, and the other way', async () => {
    const body = randomBytes(100_000);
    const put = await s3(0).send(new PutObjectCommand({ Bucket: 'photos', Key: 'cross/door.bin', Body: body, ContentType: 'application/x-test', Metadata: { origin: 's3' } }));
    const v1 = await aliceV1.getObject('photos', 'cross/door.bin');
    expect(v1.status).toBe(200);
    expect(v1.body.equals(body)).toBe(true);
    expect(v1.headers.get('etag')).toBe(put.ETag);
    expect(v1.headers.get('content-type')).toBe('application/x-test');
    expect(v1.headers.get('x-object-meta-origin')).toBe('s3');

    const other = randomBytes(50_000);
    const written = await aliceV1.putObject('photos', 'cross/from-v1.bin', other, { 'content-type': 'text/x-v1', 'x-object-meta-origin': 'v1' });
    expect(written.status).toBe(201);
    const got = await s3(2).send(new GetObjectCommand({ Bucket: 'photos', Key: 'cross/from-v1.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(other)).toBe(true);
    expect(got.ETag).toBe(`"${written.json<{ etag: string }>().etag}"`);
    expect(got).toMatchObject({ ContentType: 'text/x-v1', Metadata: { origin: 'v1' } });
  });

  it('GetObjectAcl, unknown sub-resources NotImplemented, unknown keys, and a request id on every answer', async () => {
    await s3(0).send(new CreateBucketCommand({ Bucket: 'acl-bucket' }));
    await s3(0).send(new PutObjectCommand({ Bucket: 'acl-bucket', Key: 'obj', Body: 'x' }));
    expect((await s3(1).send(new GetObjectAclCommand({ Bucket: 'acl-bucket', Key: 'obj' }))).Grants?.[0]?.Permission).toBe('FULL_CONTROL');
    expect(await failure(s3(1).send(new GetObjectTaggingCommand({ Bucket: 'acl-bucket', Key: 'obj' })))).toMatchObject({ code: 'NotImplemented', status: 501 });
    expect(await failure(s3(1).send(new GetBucketPolicyCommand({ Bucket: 'acl-bucket' })))).toMatchObject({ code: 'NotImplemented', status: 501 });
    const unknown = await failure(s3(2, { accessKeyId: 'MCOSNOSUCHKEY0000000', secretAccessKey: 'nothing' }).send(new ListBucketsCommand({})));
    expect(unknown).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
    expect(unknown.requestId).toMatch(/^[0-9A-F]{16}$/);
    const anonymous = await fetch(`${s3Urls[0]}/acl-bucket/obj`);
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('hostile input through the real data path: random signed requests never get a 5xx (501 aside)', async () => {
    await s3(0).send(new CreateBucketCommand({ Bucket: 'fuzz' }));
    await s3(0).send(new PutObjectCommand({ Bucket: 'fuzz', Key: 'there', Body: 'x' }));
    const url = new URL(s3Urls[1]);
    const signer = referenceSigner('us-east-1', { accessKeyId: alice.accessKeyId, secret: alice.secretAccessKey, owner: 'alice' });
    const send = async (method: string, path: string, query: Record<string, string>, headers: Record<string, string>, body: Buffer) => {
      const signed = await signer.sign(
        { method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query, headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers }, body: undefined },
        { signingDate: new Date() },
      );
      const q = wireQuery(query);
      return new Promise<{ status: number; text: string }>((resolve, reject) => {
        const r = request(`${s3Urls[1]}${path}${q ? `?${q}` : ''}`, { method, headers: { ...(signed.headers as Record<string, string>), 'content-length': String(body.length) } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        });
        r.on('error', reject);
        r.end(body);
      });
    };
    const printable = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
    const headerName = fc.constantFrom('content-type', 'content-md5', 'range', 'if-match', 'if-none-match', 'if-modified-since', 'cache-control', 'content-disposition', 'x-amz-meta-a', 'x-amz-meta-b_c', 'x-amz-copy-source', 'x-amz-metadata-directive', 'x-amz-checksum-crc32');
    const queryName = fc.constantFrom('acl', 'location', 'versions', 'delete', 'tagging', 'list-type', 'max-keys', 'marker', 'prefix', 'delimiter', 'encoding-type', 'continuation-token', 'versionId', 'response-content-type');
    let served = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'HEAD', 'DELETE', 'POST'),
        fc.oneof(fc.constant(''), fc.constant('there'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 })),
        fc.dictionary(queryName, printable, { maxKeys: 3 }),
        fc.dictionary(headerName, printable, { maxKeys: 4 }),
        fc.uint8Array({ maxLength: 64 }),
        async (method, key, query, headers, body) => {
          const path = key === '' ? '/fuzz' : `/fuzz/${encodeKeyPath(key)}`;
          const answer = await send(method, path, query, headers, Buffer.from(body));
          if (answer.status < 300) served++;
          if (answer.status >= 500 && answer.status !== 501) throw new Error(`${method} ${path} ${JSON.stringify(query)} ${JSON.stringify(headers)} -> ${answer.status} ${answer.text}`);
        },
      ),
      // The examples reach the data path for sure; the random runs mostly get 4xx.
      { numRuns: 80, examples: [['GET', 'there', {}, {}, new Uint8Array()], ['PUT', 'new key', {}, { 'content-type': 'text/plain' }, new Uint8Array([1, 2])], ['HEAD', 'there', {}, { 'if-none-match': '*' }, new Uint8Array()]] },
    );
    expect(served).toBeGreaterThanOrEqual(2);
  });
});
