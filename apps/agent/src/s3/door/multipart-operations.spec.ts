import { PerUserLimiter } from '../../limits/per-user-limiter';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { multipartOf, TEST_MULTIPART_SETTINGS } from '../../multipart/multipart.testing';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { TestCluster } from '../../testing/test-cluster';
import { MapCredentialStore, TEST_KEY } from '../testing/reference-signer';
import { S3BucketOperations } from './bucket-operations';
import { S3ListingOperations } from './listing-operations';
import { S3MultipartOperations } from './multipart-operations';
import { S3ObjectOperations } from './object-operations';
import { S3DoorHandler } from './s3-door.handler';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const s3Etag = (parts: Buffer[]) => `"${createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex')}-${parts.length}"`;
const BUCKET = 'photos';

async function failure(p: Promise<unknown>): Promise<{ code: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return { code: e.name, status: e.$metadata.httpStatusCode };
    throw e;
  }
  throw new Error('expected the call to fail');
}

/**
 * The S3 door's multipart rows over the real data path: two agents of a
 * test cluster (fs backends, sqlite indexes), each with its own door on a
 * loopback listener, driven by the real S3Client (default CRC32 checksums).
 */
describe('S3 door: multipart uploads through two agents', () => {
  let cluster: TestCluster;
  const servers: Server[] = [];
  const clients: S3Client[] = [];

  beforeEach(async () => {
    cluster = TestCluster.create({
      services: ['a', 'b', 'c'].map((name) => ({ name })),
      options: [{ name: 'standard', replicas: 2, writeQuorum: 2, readQuorum: 1 }],
    });
    for (const name of ['a', 'b']) {
      const agent = await cluster.agent(name, { limits: { maxObjectBytes: 16 << 20, maxKeyBytes: 1024 } });
      // Small parts are accepted (1 KiB minimum) so most cases stay small; lib-storage sends 5 MiB ones.
      const multipart = multipartOf(cluster, agent, { ...TEST_MULTIPART_SETTINGS, maxPartBytes: 16 << 20 });
      const buckets = new S3BucketOperations(agent.containers, agent.map);
      const limits = { maxObjectBytes: 16 << 20, maxKeyBytes: 1024 };
      const handler = new S3DoorHandler(
        new MapCredentialStore({ [TEST_KEY.accessKeyId]: TEST_KEY }),
        buckets,
        new S3ListingOperations(agent.objects, buckets),
        new S3ObjectOperations(agent.objects, buckets, limits),
        {},
        new PerUserLimiter(64),
        new S3MultipartOperations(multipart.service, agent.objects, buckets, limits),
      );
      const server = createServer((req, res) => handler.listener(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      clients.push(
        new S3Client({
          region: 'us-east-1',
          endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          forcePathStyle: true,
          maxAttempts: 1,
          credentials: { accessKeyId: TEST_KEY.accessKeyId, secretAccessKey: TEST_KEY.secret },
        }),
      );
    }
    const a = await cluster.agent('a');
    await a.containers.create(TEST_KEY.owner, BUCKET, 'standard');
    await cluster.idle();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
    await cluster.idle();
    await cluster.close();
  });

  it('creates at one agent, sends parts to both, completes, and reads back whole, by range and by part', async () => {
    const [atA, atB] = clients;
    const created = await atA.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'dir/big.bin', ContentType: 'application/x-big', Metadata: { color: 'red' } }));
    const uploadId = created.UploadId!;
    expect(created).toMatchObject({ Bucket: BUCKET, Key: 'dir/big.bin' });
    const parts = [randomBytes(3000), randomBytes(2000), randomBytes(123)];
    const sent = await Promise.all(parts.map((Body, i) => (i % 2 ? atB : atA).send(new UploadPartCommand({ Bucket: BUCKET, Key: 'dir/big.bin', UploadId: uploadId, PartNumber: i + 1, Body }))));
    expect(sent.map((s) => s.ETag)).toEqual(parts.map((p) => `"${md5(p)}"`));

    const listed = await atB.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'dir/big.bin', UploadId: uploadId, MaxParts: 2 }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, 3000, `"${md5(parts[0])}"`],
      [2, 2000, `"${md5(parts[1])}"`],
    ]);
    expect(listed).toMatchObject({ IsTruncated: true, NextPartNumberMarker: '2' });
    const uploads = await atA.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'dir/' }));
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['dir/big.bin', uploadId]]);
    // Invisible until complete.
    expect(await failure(atA.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dir/big.bin' })))).toMatchObject({ status: 404 });

    const done = await atB.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'dir/big.bin',
        UploadId: uploadId,
        MultipartUpload: { Parts: sent.map((s, i) => ({ PartNumber: i + 1, ETag: i === 0 ? s.ETag!.replace(/"/g, '') : s.ETag })) },
      }),
    );
    expect(done.ETag).toBe(s3Etag(parts));
    await cluster.idle();

    const whole = Buffer.concat(parts);
    for (const s3 of clients) {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/big.bin' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(whole)).toBe(true);
      expect(got).toMatchObject({ ETag: s3Etag(parts), ContentLength: whole.length, ContentType: 'application/x-big', Metadata: { color: 'red' } });
    }
    const ranged = await atA.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/big.bin', Range: 'bytes=2990-5009' }));
    expect(Buffer.from(await ranged.Body!.transformToByteArray()).equals(whole.subarray(2990, 5010))).toBe(true);
    expect(ranged.ContentRange).toBe(`bytes 2990-5009/${whole.length}`);
    const second = await atB.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/big.bin', PartNumber: 2 }));
    expect(second).toMatchObject({ PartsCount: 3, ContentLength: 2000, ContentRange: `bytes 3000-4999/${whole.length}` });
    expect(Buffer.from(await second.Body!.transformToByteArray()).equals(parts[1])).toBe(true);
    expect(await atB.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dir/big.bin', PartNumber: 3 }))).toMatchObject({ PartsCount: 3, ContentLength: 123 });
    expect(await failure(atB.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/big.bin', PartNumber: 1, IfMatch: '"not-the-etag"' })))).toMatchObject({ code: 'PreconditionFailed', status: 412 });
    expect(await failure(atB.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/big.bin', PartNumber: 1, Range: 'bytes=0-1' })))).toMatchObject({ code: 'InvalidRequest', status: 400 });
    expect(await failure(atB.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/big.bin', PartNumber: 4 })))).toMatchObject({ code: 'InvalidRange', status: 416 });
    const objects = await atA.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(objects.Contents?.map((o) => [o.Key, o.Size, o.ETag])).toEqual([['dir/big.bin', whole.length, s3Etag(parts)]]);
    // The upload is over.
    expect(await failure(atA.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'dir/big.bin', UploadId: uploadId })))).toMatchObject({ code: 'NoSuchUpload', status: 404 });
    expect((await atA.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? []).toEqual([]);
  });

  it('answers every bad Complete with its S3 error and leaves nothing visible', async () => {
    const [s3] = clients;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'k' }));
    const small = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'k', UploadId, PartNumber: 1, Body: randomBytes(10) }));
    const big = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'k', UploadId, PartNumber: 2, Body: randomBytes(2000) }));
    const complete = (Parts: { PartNumber: number; ETag?: string }[], id = UploadId, Key = 'k') => failure(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId: id, MultipartUpload: { Parts } })));
    expect(await complete([{ PartNumber: 2, ETag: big.ETag }, { PartNumber: 1, ETag: small.ETag }])).toMatchObject({ code: 'InvalidPartOrder', status: 400 });
    expect(await complete([{ PartNumber: 1, ETag: big.ETag }])).toMatchObject({ code: 'InvalidPart', status: 400 });
    expect(await complete([{ PartNumber: 1, ETag: small.ETag }, { PartNumber: 3, ETag: big.ETag }])).toMatchObject({ code: 'InvalidPart', status: 400 });
    expect(await complete([{ PartNumber: 1, ETag: small.ETag }, { PartNumber: 2, ETag: big.ETag }])).toMatchObject({ code: 'EntityTooSmall', status: 400 });
    expect(await complete([{ PartNumber: 1, ETag: small.ETag }], 'A'.repeat(32))).toMatchObject({ code: 'NoSuchUpload', status: 404 });
    expect(await complete([{ PartNumber: 1, ETag: small.ETag }], UploadId, 'other-key')).toMatchObject({ code: 'NoSuchUpload', status: 404 });
    expect(await failure(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'k', UploadId, PartNumber: 10_001, Body: 'x' })))).toMatchObject({ code: 'InvalidArgument', status: 400 });
    expect(await failure(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'k', UploadId, PartNumber: 3, Body: 'xyz', ContentMD5: createHash('md5').update('abc').digest('base64') })))).toMatchObject({ code: 'BadDigest', status: 400 });
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k' })))).toMatchObject({ status: 404 });
    expect((await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'k', UploadId }))).Parts?.map((p) => p.PartNumber)).toEqual([1, 2]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'k', UploadId }));
    expect(await failure(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'k', UploadId, PartNumber: 1, Body: 'x' })))).toMatchObject({ code: 'NoSuchUpload', status: 404 });
    expect(await failure(s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'k', UploadId })))).toMatchObject({ code: 'NoSuchUpload', status: 404 });
    expect(await failure(s3.send(new CreateMultipartUploadCommand({ Bucket: 'nobucket', Key: 'k' })))).toMatchObject({ code: 'NoSuchBucket', status: 404 });
  });

  it('copies a part from a range of another object inside the cluster', async () => {
    const [atA, atB] = clients;
    const source = randomBytes(5000);
    await atA.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'src', Body: source }));
    const { UploadId } = await atB.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'dst' }));
    const copied = await atB.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: 'dst', UploadId, PartNumber: 1, CopySource: `${BUCKET}/src`, CopySourceRange: 'bytes=1000-2999' }));
    expect(copied.CopyPartResult?.ETag).toBe(`"${md5(source.subarray(1000, 3000))}"`);
    const tail = await atA.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'dst', UploadId, PartNumber: 2, Body: 'tail' }));
    expect(await failure(atB.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: 'dst', UploadId, PartNumber: 3, CopySource: `${BUCKET}/src`, CopySourceRange: 'bytes=4000-5000' })))).toMatchObject({ status: 416 });
    await atA.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'dst', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult!.ETag }, { PartNumber: 2, ETag: tail.ETag }] } }));
    const got = await atB.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dst' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([source.subarray(1000, 3000), Buffer.from('tail')]))).toBe(true);
  });

  it('@aws-sdk/lib-storage Upload (default checksums, parts in parallel, a stream of unknown length) round-trips', async () => {
    const [atA, atB] = clients;
    const data = randomBytes(11 * 1024 * 1024 + 5);
    const upload = new Upload({ client: atA, params: { Bucket: BUCKET, Key: 'lib/storage.bin', Body: Readable.from([data.subarray(0, 7 << 20), data.subarray(7 << 20)]) }, partSize: 5 << 20, queueSize: 3 });
    const done = await upload.done();
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    const got = await atB.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'lib/storage.bin' }));
    expect(md5(Buffer.from(await got.Body!.transformToByteArray()))).toBe(md5(data));
  });
});
