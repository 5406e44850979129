import { afterAll, beforeAll, expect, it } from '@jest/globals';

import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { requireServer, startSwift, swiftUnavailableReason, type SwiftHandle } from './testing/servers';
import { S3Backend, type S3BackendOptions } from './s3.backend';
import { describeBackendConformance } from './testing/backend-conformance';
import { bodyOf, generatedBody, md5Of } from './testing/test-bodies';

// The s3 driver, unchanged, against a real OpenStack Swift through its S3 API
// (s3api middleware: SigV4, path-style, access key "account:user").

const swift = requireServer('OpenStack Swift', swiftUnavailableReason());

let shared: Promise<SwiftHandle> | undefined;
function acquireSwift(): Promise<SwiftHandle> {
  shared ??= startSwift({ containers: ['conformance', 'unit'] });
  return shared;
}
afterAll(async () => {
  if (shared) await (await shared).stop();
}, 30_000);

function optionsFor(server: SwiftHandle, bucket: string, extra: Partial<S3BackendOptions> = {}): S3BackendOptions {
  return {
    endpoint: server.s3Endpoint,
    region: 'us-east-1',
    bucket,
    forcePathStyle: true,
    accessKeyId: server.user,
    secretAccessKey: server.key,
    ...extra,
  };
}

if (!swift.unavailable) {
  describeBackendConformance('s3 (Swift s3api)', async () => {
    const server = await acquireSwift();
    const backend = new S3Backend(optionsFor(server, 'conformance'));
    return { backend, teardown: () => backend.close() };
  });
}

swift.describe('S3Backend on Swift s3api', () => {
  let server: SwiftHandle;
  let sut: S3Backend;

  beforeAll(async () => {
    server = await acquireSwift();
    sut = new S3Backend(optionsFor(server, 'unit', { prefix: 'p/' }));
  }, 120_000);

  afterAll(async () => {
    await sut?.close();
  });

  it('what it stores is a plain Swift object with the MCOS metadata, visible through the native API', async () => {
    await sut.put('native/view', bodyOf('hello swift'), { userMeta: { a: 'b' }, systemMeta: { ts: '7' } });
    const auth = await fetch(server.authUrl, { headers: { 'x-auth-user': server.user, 'x-auth-key': server.key } });
    const res = await fetch(`${server.storageUrl}/unit/p/native/view`, { method: 'HEAD', headers: { 'x-auth-token': auth.headers.get('x-auth-token') as string } });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(md5Of('hello swift'));
    expect(res.headers.get('x-object-meta-mcos-md5')).toBe(md5Of('hello swift'));
    expect(res.headers.get('x-object-meta-u-a')).toBe('b');
  });

  it('a large put (multipart upload to a staging key, then a server-side copy) keeps the whole-object MD5', async () => {
    const gen = generatedBody(20 * 1024 * 1024);
    const info = await sut.put('big/one', gen.body, {});
    expect(info.etag).toBe(gen.md5());
    const raw = new S3Client({ endpoint: server.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: server.user, secretAccessKey: server.key } });
    const head = await raw.send(new HeadObjectCommand({ Bucket: 'unit', Key: 'p/big/one' }));
    expect(head.Metadata?.['mcos-md5']).toBe(gen.md5());
    expect(head.ContentLength).toBe(20 * 1024 * 1024);
    raw.destroy();
    expect((await sut.list({ prefix: 'big/' })).items.map((i) => i.key)).toEqual(['big/one']);
  }, 120_000);
});
