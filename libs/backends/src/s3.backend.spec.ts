import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { freePort, startS3rver, type S3rverHandle } from './testing/servers';
import { BackendUnavailableError, InvalidKeyError, InvalidMetadataError, ObjectNotFoundError } from './backend.errors';
import { S3Backend, type S3BackendOptions } from './s3.backend';
import { describeBackendConformance } from './testing/backend-conformance';
import { bodyOf, failingBody, generatedBody, md5Of, readAll } from './testing/test-bodies';

const MIB = 1024 * 1024;

function optionsFor(server: S3rverHandle, extra: Partial<S3BackendOptions> = {}): S3BackendOptions {
  return {
    endpoint: server.endpoint,
    region: server.region,
    bucket: server.bucket,
    forcePathStyle: true,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    ...extra,
  };
}

describeBackendConformance(
  's3 (s3rver)',
  async () => {
    const server = await startS3rver();
    const backend = new S3Backend(optionsFor(server));
    return {
      backend,
      teardown: async () => {
        await backend.close();
        await server.stop();
      },
    };
  },
  // s3rver keeps each key as a file named after its last segment: > 255 bytes can't work there.
  { longSegments: false },
);

describe('S3Backend', () => {
  let server: S3rverHandle;
  let raw: S3Client;
  let sut: S3Backend;

  beforeAll(async () => {
    server = await startS3rver();
    raw = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    sut = new S3Backend(optionsFor(server, { prefix: 'node-a/' }));
  }, 30_000);

  afterAll(async () => {
    await sut?.close();
    raw?.destroy();
    await server?.stop();
  });

  const rawKeys = async (prefix = '') =>
    ((await raw.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);

  it('keeps its objects under its prefix, apart from another prefix in the same bucket', async () => {
    const other = new S3Backend(optionsFor(server, { prefix: 'node-b/' }));
    await sut.put('shared/name', bodyOf('a'), {});
    await other.put('shared/name', bodyOf('b'), {});
    expect(await readAll((await sut.get('shared/name')).body)).toEqual(Buffer.from('a'));
    expect((await other.list()).items.map((i) => i.key)).toEqual(['shared/name']);
    expect(await rawKeys('node-')).toEqual(expect.arrayContaining(['node-a/shared/name', 'node-b/shared/name']));
    await other.close();
  });

  it('the prefix counts against the 1024-byte key limit', async () => {
    expect(sut.maxKeyBytes).toBe(1024 - 'node-a/'.length);
    await expect(sut.put('k'.repeat(sut.maxKeyBytes + 1), bodyOf('x'), {})).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('stores metadata as ASCII-safe x-amz-meta headers with the content MD5', async () => {
    await sut.put('meta/raw', bodyOf('payload'), { contentType: 'text/x', userMeta: { note: 'ça va 100%' }, systemMeta: { ts: '42' } });
    const head = await raw.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'node-a/meta/raw' }));
    expect(head.ContentType).toBe('text/x');
    expect(head.Metadata).toEqual({ 'mcos-md5': md5Of('payload'), 'u-note': '%C3%A7a%20va%20100%25', 's-ts': '42' });
  });

  it('rejects metadata that fits the common limit but not S3 once encoded', async () => {
    await expect(sut.put('meta/big', bodyOf('x'), { userMeta: { v: 'é'.repeat(500) } })).rejects.toBeInstanceOf(InvalidMetadataError);
  });

  it(
    'a large put goes through a staging key that is gone afterwards, also when the body fails',
    async () => {
      const gen = generatedBody(20 * MIB);
      const info = await sut.put('big/ok', gen.body, { userMeta: { a: 'b' } });
      expect(info.etag).toBe(gen.md5());
      const head = await raw.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'node-a/big/ok' }));
      expect(head.Metadata?.['mcos-md5']).toBe(gen.md5());
      await expect(sut.put('big/fail', failingBody(17 * MIB), {})).rejects.toMatchObject({ code: 'BODY_STREAM_ERROR' });
      expect(await rawKeys('node-a/.mcos-')).toEqual([]);
      await expect(sut.head('big/fail')).rejects.toBeInstanceOf(ObjectNotFoundError);
    },
    60_000,
  );

  it('hides reserved keys from listings; cleanupStaging removes old staging leftovers', async () => {
    await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'node-a/.mcos-staging/zombie', Body: 'x' }));
    await sut.put('.visible', bodyOf('x'), {});
    const keys = (await sut.list()).items.map((i) => i.key);
    expect(keys).toContain('.visible');
    expect(keys.filter((k) => k.startsWith('.mcos-'))).toEqual([]);
    expect(await sut.cleanupStaging(60_000)).toBe(0);
    expect(await sut.cleanupStaging(0)).toBe(1);
    expect(await rawKeys('node-a/.mcos-')).toEqual([]);
  });

  it('reports objects written by other tools with the server ETag and no MCOS metadata', async () => {
    await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'node-a/foreign', Body: 'abc', Metadata: { other: 'x' } }));
    expect(await sut.head('foreign')).toMatchObject({ size: 3, etag: md5Of('abc'), userMeta: {}, systemMeta: {} });
  });

  it('a missing bucket and bad credentials are BackendUnavailableError', async () => {
    const noBucket = new S3Backend(optionsFor(server, { bucket: 'does-not-exist', maxAttempts: 1 }));
    await expect(noBucket.get('k')).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(noBucket.put('k', bodyOf('x'), {})).rejects.toBeInstanceOf(BackendUnavailableError);
    await noBucket.close();
    const badKey = new S3Backend(optionsFor(server, { accessKeyId: 'NOBODY', maxAttempts: 1 }));
    await expect(badKey.list()).rejects.toBeInstanceOf(BackendUnavailableError);
    await badKey.close();
  });

  it('an unreachable endpoint is BackendUnavailableError', async () => {
    const port = await freePort();
    const down = new S3Backend(optionsFor(server, { endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 }));
    await expect(down.head('k')).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(down.put('k', bodyOf('x'), {})).rejects.toBeInstanceOf(BackendUnavailableError);
    await down.close();
  });

  it('capacity reports the configured quota, nothing else', async () => {
    expect(await sut.capacity()).toEqual({});
    const withQuota = new S3Backend(optionsFor(server, { quotaBytes: 10 ** 12 }));
    expect(await withQuota.capacity()).toEqual({ totalBytes: 10 ** 12 });
    expect(withQuota.describe()).toBe(`s3:${server.endpoint}/${server.bucket}/`);
    await withQuota.close();
  });
});
