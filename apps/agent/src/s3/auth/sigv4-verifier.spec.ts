import { S3Client, GetObjectCommand, PutObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import type { S3Request } from '../s3-request';
import { encodeKeyPath, MapCredentialStore, presign, referenceSigner, signWithHeader, TEST_KEY, toS3Request } from '../testing/reference-signer';
import { S3Error } from '../xml/s3-error';
import { SigningKeyCache } from './signing-key-cache';
import { SigV4Verifier } from './sigv4-verifier';

const DOC_TIME = Date.UTC(2013, 4, 24, 0, 0, 0);
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function store(): MapCredentialStore {
  return new MapCredentialStore({ [TEST_KEY.accessKeyId]: { secret: TEST_KEY.secret, owner: TEST_KEY.owner } });
}

function verifier(now = Date.now(), credentials = store()): SigV4Verifier {
  return new SigV4Verifier({ credentials, now: () => now });
}

function req(method: string, path: string, query: string, headers: Record<string, string>): S3Request {
  return { method, path, query, headers, body: Readable.from([]) };
}

async function s3ErrorOf(p: Promise<unknown>): Promise<S3Error> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3Error) return e;
    throw new Error(`expected an S3Error, got ${String(e)}`);
  }
  throw new Error('expected a rejection');
}

describe('SigV4Verifier against the examples published in the S3 documentation', () => {
  const docAuth = (signedHeaders: string, signature: string) =>
    `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders},Signature=${signature}`;

  it('GET Object with a Range header', async () => {
    const sut = verifier(DOC_TIME);
    const r = req('GET', '/test.txt', '', {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': EMPTY,
      'x-amz-date': '20130524T000000Z',
      authorization: docAuth('host;range;x-amz-content-sha256;x-amz-date', 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'),
    });
    const v = await sut.verify(r);
    expect(v).toMatchObject({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', owner: 'alice', kind: 'header', payloadHash: EMPTY });
  });

  it('PUT Object with a signed payload, a Date header and a $ in the key', async () => {
    const r = req('PUT', '/test%24file.text', '', {
      host: 'examplebucket.s3.amazonaws.com',
      date: 'Fri, 24 May 2013 00:00:00 GMT',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
      authorization: docAuth('date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class', '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd'),
    });
    await expect(verifier(DOC_TIME).verify(r)).resolves.toMatchObject({ payloadHash: '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072' });
  });

  it('GET Bucket (list objects) with a sorted query', async () => {
    const sut = verifier(DOC_TIME);
    const r = req('GET', '/', 'max-keys=2&prefix=J', {
      host: 'examplebucket.s3.amazonaws.com',
      'x-amz-content-sha256': EMPTY,
      'x-amz-date': '20130524T000000Z',
      authorization: docAuth('host;x-amz-content-sha256;x-amz-date', '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7'),
    });
    await expect(sut.verify(r)).resolves.toMatchObject({ owner: 'alice' });
  });

  it('GET Bucket lifecycle (a sub-resource without a value)', async () => {
    const sut = verifier(DOC_TIME);
    const r = req('GET', '/', 'lifecycle', {
      host: 'examplebucket.s3.amazonaws.com',
      'x-amz-content-sha256': EMPTY,
      'x-amz-date': '20130524T000000Z',
      authorization: docAuth('host;x-amz-content-sha256;x-amz-date', 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543'),
    });
    await expect(sut.verify(r)).resolves.toMatchObject({ owner: 'alice' });
  });

  it('a presigned GET, valid for its 24 hours and expired after', async () => {
    const query =
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
      '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
      '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    const r = () => req('GET', '/test.txt', query, { host: 'examplebucket.s3.amazonaws.com' });
    // Presigned URLs have no clock-skew check: 23 hours later is fine.
    await expect(verifier(DOC_TIME + 23 * 3600_000).verify(r())).resolves.toMatchObject({ kind: 'presigned', payloadHash: 'UNSIGNED-PAYLOAD' });
    const e = await s3ErrorOf(verifier(DOC_TIME + 86401_000).verify(r()));
    expect([e.code, e.message]).toEqual(['AccessDenied', 'Request has expired']);
  });

  it('the seed signature of the chunked-upload example', async () => {
    const r = req('PUT', '/examplebucket/chunkObject.txt', '', {
      host: 's3.amazonaws.com',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '66560',
      'content-length': '66824',
      authorization: docAuth(
        'content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class',
        '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
      ),
    });
    const v = await verifier(DOC_TIME).verify(r);
    expect(v.signing).toMatchObject({ amzDate: '20130524T000000Z', scope: '20130524/us-east-1/s3/aws4_request', seedSignature: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9' });
  });
});

describe('SigV4Verifier against the AWS reference signer', () => {
  const host = '127.0.0.1:9000';

  it('accepts a header-signed request with odd keys and query values', async () => {
    const r = await signWithHeader(
      { method: 'GET', host, path: '/bucket/' + encodeKeyPath('dir/a b+c%d!*()ü/€.txt'), query: { prefix: 'a b+c/ü', 'list-type': '2', 'encoding-type': 'url', delimiter: '/' } },
      { payloadHash: 'UNSIGNED-PAYLOAD' },
    );
    await expect(verifier().verify(r)).resolves.toMatchObject({ owner: 'alice', payloadHash: 'UNSIGNED-PAYLOAD' });
  });

  it('accepts any region in the scope', async () => {
    for (const region of ['us-east-1', 'eu-west-3', 'garage', 'mcos-local']) {
      const r = await signWithHeader({ method: 'HEAD', host, path: '/b/k' }, { signer: referenceSigner(region), payloadHash: EMPTY });
      await expect(verifier().verify(r)).resolves.toMatchObject({ owner: 'alice' });
    }
  });

  it('collapses and trims header values as the signer does', async () => {
    const r = await signWithHeader(
      { method: 'PUT', host, path: '/b/k', headers: { 'x-amz-meta-note': '  two   spaces\tand a tab  ', 'content-type': 'text/plain' } },
      { payloadHash: 'UNSIGNED-PAYLOAD' },
    );
    await expect(verifier().verify(r)).resolves.toBeDefined();
  });

  it('refuses a wrong secret, an unknown key, and any tampering', async () => {
    const signed = () => signWithHeader({ method: 'GET', host, path: '/b/k', query: { a: '1' } }, { payloadHash: 'UNSIGNED-PAYLOAD' });
    const wrong = new MapCredentialStore({ [TEST_KEY.accessKeyId]: { secret: 'not-the-secret', owner: 'alice' } });
    expect((await s3ErrorOf(verifier(Date.now(), wrong).verify(await signed()))).code).toBe('SignatureDoesNotMatch');
    expect((await s3ErrorOf(verifier(Date.now(), new MapCredentialStore({})).verify(await signed()))).code).toBe('InvalidAccessKeyId');
    const tampered: ((r: S3Request) => S3Request)[] = [
      (r) => ({ ...r, path: '/b/other' }),
      (r) => ({ ...r, query: 'a=2' }),
      (r) => ({ ...r, method: 'DELETE' }),
      (r) => ({ ...r, headers: { ...r.headers, host: 'evil:9000' } }),
      (r) => ({ ...r, headers: { ...r.headers, 'x-amz-content-sha256': EMPTY } }),
    ];
    for (const t of tampered) expect((await s3ErrorOf(verifier().verify(t(await signed())))).code).toBe('SignatureDoesNotMatch');
  });

  it('refuses x-amz-* headers added without being signed', async () => {
    const r = await signWithHeader({ method: 'PUT', host, path: '/b/k' }, { payloadHash: 'UNSIGNED-PAYLOAD' });
    const e = await s3ErrorOf(verifier().verify({ ...r, headers: { ...r.headers, 'x-amz-meta-injected': 'x' } }));
    expect(e.code).toBe('AccessDenied');
    expect(e.message).toContain('x-amz-meta-injected');
  });

  it('refuses a clock skew beyond 15 minutes either way, and accepts one within', async () => {
    const date = new Date(Date.UTC(2026, 0, 2, 12, 0, 0));
    const r = () => signWithHeader({ method: 'GET', host, path: '/b/k' }, { date, payloadHash: EMPTY });
    await expect(verifier(date.getTime() + 14 * 60_000).verify(await r())).resolves.toBeDefined();
    await expect(verifier(date.getTime() - 14 * 60_000).verify(await r())).resolves.toBeDefined();
    for (const off of [16 * 60_000, -16 * 60_000]) {
      const e = await s3ErrorOf(verifier(date.getTime() + off).verify(await r()));
      expect(e.code).toBe('RequestTimeTooSkewed');
      expect(e.status).toBe(403);
    }
  });

  it('takes the time from the Date header when there is no x-amz-date', async () => {
    const date = new Date(Date.UTC(2026, 0, 2, 12, 0, 0));
    const signed = await signWithHeader(
      { method: 'GET', host, path: '/b/k', headers: { date: date.toUTCString() } },
      { date, payloadHash: EMPTY, unsignableHeaders: new Set(['x-amz-date']) },
    );
    // The signer signs no Date header (it drops it), so put one back as a client without x-amz-date sends it.
    const headers: Record<string, string | undefined> = { ...signed.headers, date: date.toUTCString() };
    delete headers['x-amz-date'];
    await expect(verifier(date.getTime()).verify({ ...signed, headers })).resolves.toMatchObject({ signing: { amzDate: '20260102T120000Z' } });
  });

  it('needs x-amz-content-sha256 on header-signed requests', async () => {
    const r = await signWithHeader({ method: 'GET', host, path: '/b/k' }, { payloadHash: EMPTY });
    const { 'x-amz-content-sha256': _, ...rest } = r.headers;
    expect((await s3ErrorOf(verifier().verify({ ...r, headers: rest }))).code).toBe('InvalidRequest');
  });

  it('accepts presigned URLs from the reference presigner until they expire', async () => {
    const date = new Date(Date.UTC(2026, 0, 2, 12, 0, 0));
    const r = await presign({ method: 'PUT', host, path: '/b/' + encodeKeyPath('a b/c.txt'), query: { 'x-id': 'PutObject' } }, 604800, { date });
    await expect(verifier(date.getTime() + 6 * 86400_000).verify(r)).resolves.toMatchObject({ kind: 'presigned' });
    const e = await s3ErrorOf(verifier(date.getTime() + 604801_000).verify(r));
    expect([e.code, e.message]).toEqual(['AccessDenied', 'Request has expired']);
    // One dated in the future is not yet valid.
    expect((await s3ErrorOf(verifier(date.getTime() - 3600_000).verify(r))).code).toBe('AccessDenied');
  });

  it('refuses X-Amz-Expires over 7 days before checking anything else', async () => {
    const r = await presign({ method: 'GET', host, path: '/b/k' }, 3600);
    const e = await s3ErrorOf(verifier().verify({ ...r, query: r.query.replace('X-Amz-Expires=3600', 'X-Amz-Expires=604801') }));
    expect(e.code).toBe('AuthorizationQueryParametersError');
    expect(e.message).toContain('604800');
  });

  it('caches derived signing keys, bounded', async () => {
    const cache = new SigningKeyCache(2);
    const sut = new SigV4Verifier({ credentials: store(), keyCache: cache });
    const a = await sut.verify(await signWithHeader({ method: 'GET', host, path: '/b/k' }, { payloadHash: EMPTY }));
    const b = await sut.verify(await signWithHeader({ method: 'GET', host, path: '/b/j' }, { payloadHash: EMPTY }));
    expect(b.signing.signingKey).toBe(a.signing.signingKey);
    for (const region of ['r1', 'r2', 'r3']) {
      await sut.verify(await signWithHeader({ method: 'GET', host, path: '/b/k' }, { signer: referenceSigner(region), payloadHash: EMPTY }));
    }
    expect(cache.size).toBe(2);
  });
});

describe('SigV4Verifier with the AWS SDK itself', () => {
  function capturingClient() {
    const sent: { method: string; path: string; query: Record<string, unknown>; headers: Record<string, string>; body: unknown }[] = [];
    const client = new S3Client({
      region: 'eu-central-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: TEST_KEY.accessKeyId, secretAccessKey: TEST_KEY.secret },
      requestHandler: {
        handle: async (request: { method: string; path: string; query: Record<string, unknown>; headers: Record<string, string>; body: unknown }) => {
          sent.push(request);
          return { response: { statusCode: 200, headers: {}, body: Readable.from([]) } };
        },
      } as never,
    });
    return { client, sent };
  }

  it('verifies what the SDK sends for PutObject, GetObject and ListObjectsV2', async () => {
    const { client, sent } = capturingClient();
    await client.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'dir/ä ö+&=.txt', Body: 'hello', Metadata: { colour: 'blue' } })).catch(() => undefined);
    await client.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'dir/ä ö+&=.txt', Range: 'bytes=0-1' })).catch(() => undefined);
    await client.send(new ListObjectsV2Command({ Bucket: 'bucket', Prefix: 'dir/ä', Delimiter: '/', StartAfter: 'a b' })).catch(() => undefined);
    expect(sent).toHaveLength(3);
    for (const s of sent) {
      const r = toS3Request(s);
      await expect(verifier().verify(r)).resolves.toMatchObject({ owner: 'alice' });
    }
  });

  it('verifies URLs from @aws-sdk/s3-request-presigner', async () => {
    const { client } = capturingClient();
    const url = new URL(await getSignedUrl(client, new GetObjectCommand({ Bucket: 'bucket', Key: 'a b/ü+.txt', ResponseContentType: 'text/plain' }), { expiresIn: 900 }));
    const r: S3Request = { method: 'GET', path: url.pathname, query: url.search.slice(1), headers: { host: url.host }, body: Readable.from([]) };
    await expect(verifier().verify(r)).resolves.toMatchObject({ kind: 'presigned', owner: 'alice' });
    const e = await s3ErrorOf(verifier(Date.now() + 901_000).verify(r));
    expect(e.message).toBe('Request has expired');
  });
});

describe('SigV4Verifier refusals', () => {
  const base = { host: 'h', 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': EMPTY };
  const codeOf = async (headers: Record<string, string>, query = '') => (await s3ErrorOf(verifier(DOC_TIME).verify(req('GET', '/b/k', query, headers)))).code;

  it('answers Signature Version 2 with a clear AccessDenied', async () => {
    const e = await s3ErrorOf(verifier().verify(req('GET', '/b/k', '', { host: 'h', authorization: 'AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=' })));
    expect(e.code).toBe('AccessDenied');
    expect(e.message).toMatch(/Signature Version 2 is not supported/);
    expect(await codeOf({ host: 'h' }, 'AWSAccessKeyId=AKID&Expires=1700000000&Signature=abc')).toBe('AccessDenied');
  });

  it('refuses anonymous requests, SigV4A and two mechanisms at once', async () => {
    expect(await codeOf({ host: 'h' })).toBe('AccessDenied');
    expect(await codeOf({ ...base, authorization: 'AWS4-ECDSA-P256-SHA256 Credential=a/20130524/s3/aws4_request' })).toBe('NotImplemented');
    expect(await codeOf({ ...base, authorization: 'AWS4-HMAC-SHA256 x' }, 'X-Amz-Algorithm=AWS4-HMAC-SHA256')).toBe('InvalidArgument');
  });

  it.each([
    ['Bearer abc'],
    ['AWS4-HMAC-SHA256'],
    ['AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request'],
    ['AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=xyz'],
    ['AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=' + 'a'.repeat(64)],
    ['AWS4-HMAC-SHA256 Credential=AKID/20130525/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=' + 'a'.repeat(64)],
    ['AWS4-HMAC-SHA256 Credential=AKID/2013/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=' + 'a'.repeat(64)],
    ['AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=range, Signature=' + 'a'.repeat(64)],
    ['AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=Host, Signature=' + 'a'.repeat(64)],
    ['AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, Credential=x, SignedHeaders=host, Signature=' + 'a'.repeat(64)],
  ])('refuses the malformed header %s', async (authorization) => {
    expect(await codeOf({ ...base, authorization })).toBe('AuthorizationHeaderMalformed');
  });

  it('refuses a header-signed request without a valid date', async () => {
    const auth = 'AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=' + 'a'.repeat(64);
    expect(await codeOf({ host: 'h', 'x-amz-content-sha256': EMPTY, authorization: auth })).toBe('AccessDenied');
    expect(await codeOf({ ...base, 'x-amz-date': '20131324T000000Z', authorization: auth })).toBe('AccessDenied');
    expect(await codeOf({ host: 'h', 'x-amz-content-sha256': EMPTY, date: '2013-05-24', authorization: auth })).toBe('AccessDenied');
  });

  it('refuses presigned URLs with missing or bad parameters', async () => {
    const ok: Record<string, string> = {
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request',
      'X-Amz-Date': '20130524T000000Z',
      'X-Amz-Expires': '86400',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': 'a'.repeat(64),
    };
    const q = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    expect(await codeOf({ host: 'h' }, q(ok))).toBe('SignatureDoesNotMatch');
    for (const name of Object.keys(ok)) {
      const { [name]: _, ...rest } = ok;
      if (name === 'X-Amz-Algorithm') continue; // without it the URL is simply anonymous
      expect(await codeOf({ host: 'h' }, q(rest))).toBe('AuthorizationQueryParametersError');
    }
    for (const [k, v] of [['X-Amz-Algorithm', 'AWS4-HMAC-SHA1'], ['X-Amz-Expires', '-1'], ['X-Amz-Expires', '0'], ['X-Amz-Expires', 'soon'], ['X-Amz-Date', '2013-05-24'], ['X-Amz-Signature', 'zz']]) {
      expect(await codeOf({ host: 'h' }, q({ ...ok, [k]: v }))).toBe('AuthorizationQueryParametersError');
    }
    expect(await codeOf({ host: 'h' }, q(ok) + '&X-Amz-Date=20130524T000000Z')).toBe('AuthorizationQueryParametersError');
    expect(await codeOf({ host: 'h' }, 'a=%zz&' + q(ok))).toBe('InvalidURI');
  });
});

describe('SigV4Verifier properties', () => {
  const host = 'bucket.s3.local:9000';
  const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
  const headerValue = fc.string({ unit: fc.constantFrom(...'ab AZ09\t-_.:/=,;"'.split('')), maxLength: 30 }).filter((s) => s.trim() !== '');

  it('random keys, query strings and headers survive sign → verify', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(text, { minLength: 1, maxLength: 4 }),
        fc.dictionary(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9._~-]{0,10}$/), fc.string({ unit: 'grapheme', maxLength: 20 }), { maxKeys: 4 }),
        fc.dictionary(fc.stringMatching(/^x-amz-meta-[a-z0-9-]{1,12}$/), headerValue, { maxKeys: 3 }),
        fc.constantFrom('GET', 'PUT', 'HEAD', 'DELETE', 'POST'),
        async (segments, query, headers, method) => {
          const r = await signWithHeader({ method, host, path: '/' + encodeKeyPath(segments.join('/')), query, headers }, { payloadHash: 'UNSIGNED-PAYLOAD' });
          const v = await verifier().verify(r);
          return v.owner === 'alice';
        },
      ),
      { numRuns: 150 },
    );
  });

  it('random presigned keys survive presign → verify', async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.integer({ min: 1, max: 604800 }), async (key, expires) => {
        const r = await presign({ method: 'GET', host, path: '/' + encodeKeyPath(key) }, expires);
        return (await verifier().verify(r)).kind === 'presigned';
      }),
      { numRuns: 100 },
    );
  });

  it('garbage in Authorization, dates and query strings only ever yields an S3Error', async () => {
    const pieces = fc.constantFrom(
      'AWS4-HMAC-SHA256 ', 'AWS ', 'Credential=', 'SignedHeaders=', 'Signature=', '/', ',', ';', '=', ' ', 'host', 'AKID',
      '20130524', 'us-east-1', 's3', 'aws4_request', 'a'.repeat(64), '%', '%zz', '&', 'X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Expires=',
      'X-Amz-Date=20130524T000000Z', 'X-Amz-Credential=', '\u00ff', '\ud800',
    );
    const garbage = fc.oneof(fc.string(), fc.array(pieces, { maxLength: 20 }).map((a) => a.join('')));
    await fc.assert(
      fc.asyncProperty(garbage, garbage, garbage, garbage, async (authorization, date, query, path) => {
        try {
          await verifier(DOC_TIME).verify(req('GET', '/' + path, query, { host: 'h', authorization, 'x-amz-date': date, 'x-amz-content-sha256': EMPTY }));
        } catch (e) {
          return e instanceof S3Error;
        }
        return false;
      }),
      { numRuns: 500 },
    );
  });
});
