import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { SigV4Verifier } from './auth/sigv4-verifier';
import { decodeBody } from './payload/s3-body';
import { resolveAddress, resourceOf } from './request/addressing';
import { s3RequestFromHttp } from './s3-request';
import { MapCredentialStore, TEST_KEY } from './testing/reference-signer';
import { isS3Error, S3Error } from './xml/s3-error';

describe('s3RequestFromHttp', () => {
  it('splits path and raw query, lower-cases names and joins repeated headers with a comma', () => {
    const body = Readable.from([]);
    const fake = Object.assign(body, {
      url: '/bucket/a%20b?list-type=2&prefix=x%2By',
      method: 'get',
      headersDistinct: { host: ['h:1'], 'x-amz-meta-a': ['one', 'two'] },
    });
    const r = s3RequestFromHttp(fake as never);
    expect([r.method, r.path, r.query, r.headers]).toEqual(['GET', '/bucket/a%20b', 'list-type=2&prefix=x%2By', { host: 'h:1', 'x-amz-meta-a': 'one,two' }]);
    expect(r.body).toBe(fake);
    expect(s3RequestFromHttp(Object.assign(Readable.from([]), { url: '/', method: 'HEAD', headersDistinct: {} }) as never).query).toBe('');
  });
});

/**
 * The building blocks behind a real HTTP listener on loopback, driven by the
 * real AWS SDK over the network: what the S3 door will do, minus the store
 * (a map here).
 */
describe('s3RequestFromHttp with the AWS SDK over loopback', () => {
  let server: Server;
  let endpoint: string;
  const objects = new Map<string, Buffer>();
  const verifier = new SigV4Verifier({ credentials: new MapCredentialStore({ [TEST_KEY.accessKeyId]: { secret: TEST_KEY.secret, owner: 'alice' } }) });

  beforeAll(async () => {
    server = createServer((req, res) => {
      void (async () => {
        const r = s3RequestFromHttp(req);
        const address = resolveAddress(r.path, r.headers.host);
        try {
          const v = await verifier.verify(r);
          const id = resourceOf(address);
          if (r.method === 'PUT') {
            const { body } = decodeBody(r, v, { maxSize: 64 << 20 });
            const parts: Buffer[] = [];
            for await (const c of body) parts.push(c as Buffer);
            const data = Buffer.concat(parts);
            objects.set(id, data);
            res.writeHead(200, { etag: `"${createHash('md5').update(data).digest('hex')}"` }).end();
          } else if (r.method === 'GET') {
            const data = objects.get(id);
            if (!data) throw new S3Error('NoSuchKey');
            res.writeHead(200, { 'content-length': data.length }).end(data);
          } else throw new S3Error('MethodNotAllowed');
        } catch (e) {
          req.resume();
          const err = isS3Error(e) ? e.withResource(resourceOf(address)) : new S3Error('InternalError');
          res.writeHead(err.status, { 'content-type': 'application/xml' }).end(err.toXml('test-request'));
        }
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (secret = TEST_KEY.secret) =>
    new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: TEST_KEY.accessKeyId, secretAccessKey: secret } });

  it('PutObject (a buffer, and a stream: aws-chunked with a CRC32 trailer) then GetObject', async () => {
    const data = Buffer.alloc(3 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 256;
    const c = client();
    await c.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'a b/ü+%.bin', Body: data }));
    const got = await c.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'a b/ü+%.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);

    const chunks = [data.subarray(0, 1 << 20), data.subarray(1 << 20)];
    await c.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'streamed', Body: Readable.from(chunks), ContentLength: data.length }));
    expect(objects.get('/bucket/streamed')?.equals(data)).toBe(true);
    c.destroy();
  });

  it('lib-storage Upload of a stream of unknown length (below the part size: one PutObject)', async () => {
    // PutObject itself cannot send a stream of unknown length (the SDK sets an
    // undefined x-amz-decoded-content-length that Node's HTTP client refuses);
    // clients use Upload, which buffers up to a part.
    const data = Buffer.alloc(1 << 20, 7);
    const c = client();
    await new Upload({ client: c, params: { Bucket: 'bucket', Key: 'uploaded', Body: Readable.from([data.subarray(0, 1000), data.subarray(1000)]) } }).done();
    expect(objects.get('/bucket/uploaded')?.equals(data)).toBe(true);
    c.destroy();
  });

  it('a presigned GET fetched with fetch()', async () => {
    objects.set('/bucket/pre signed', Buffer.from('hello'));
    const url = await getSignedUrl(client(), new GetObjectCommand({ Bucket: 'bucket', Key: 'pre signed' }), { expiresIn: 60 });
    const res = await fetch(url);
    expect([res.status, await res.text()]).toEqual([200, 'hello']);
  });

  it('a wrong secret gets SignatureDoesNotMatch, as S3 XML the SDK understands', async () => {
    const e = await client('wrong')
      .send(new PutObjectCommand({ Bucket: 'bucket', Key: 'k', Body: 'x' }))
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(S3ServiceException);
    expect([(e as S3ServiceException).name, (e as S3ServiceException).$metadata.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
    expect(objects.has('/bucket/k')).toBe(false);
  });
});
