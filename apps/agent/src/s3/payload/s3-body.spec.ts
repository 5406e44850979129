import { PutObjectCommand, S3Client, type ChecksumAlgorithm } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, crc32c } from '@node-rs/crc32';
import { SigV4Verifier, type ChunkSigningContext, type VerifiedRequest } from '../auth/sigv4-verifier';
import { deriveSigningKey } from '../auth/signing-key-cache';
import type { S3Request } from '../s3-request';
import { encodeAwsChunked } from '../testing/aws-chunked-encoder';
import { MapCredentialStore, signWithHeader, TEST_KEY, toS3Request } from '../testing/reference-signer';
import { S3Error } from '../xml/s3-error';
import { AwsChunkedDecoder, type AwsChunkedOptions } from './aws-chunked-decoder';
import { createChecksummer, expectedChecksum, type ChecksumAlgorithm as Algo } from './checksums';
import { checkContentMd5, sha256Verifier } from './digest-verifier';
import { decodeBody, readSmallBody } from './s3-body';

const DOC_TIME = Date.UTC(2013, 4, 24);
const DOC_SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const docSigning = (): ChunkSigningContext => ({
  signingKey: deriveSigningKey(TEST_KEY.secret, '20130524', 'us-east-1', 's3'),
  amzDate: '20130524T000000Z',
  scope: '20130524/us-east-1/s3/aws4_request',
  seedSignature: DOC_SEED,
});

/** The chunked body of the S3 documentation's "PUT Object" streaming example. */
function docBody(): Buffer {
  return Buffer.concat([
    Buffer.from('10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n'),
    Buffer.alloc(65536, 'a'),
    Buffer.from('\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n'),
    Buffer.alloc(1024, 'a'),
    Buffer.from('\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n'),
  ]);
}

function slices(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(c: Buffer, _e, cb) {
        parts.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(parts);
}

async function decodeWith(opts: AwsChunkedOptions, wire: Buffer, sliceSize = 8192): Promise<Buffer> {
  return collect(Readable.from(slices(wire, sliceSize)).pipe(new AwsChunkedDecoder(opts)));
}

async function errorOf(p: Promise<unknown>): Promise<S3Error> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3Error) return e;
    throw new Error(`expected an S3Error, got ${String(e)}`);
  }
  throw new Error('expected a failure');
}

function checksumOf(algorithm: Algo, data: Buffer): string {
  const c = createChecksummer(algorithm);
  c.update(data);
  return c.digestBase64();
}

describe('AwsChunkedDecoder with the S3 documentation example', () => {
  it.each([1, 7, 100, 65536 + 87, 1 << 20])('decodes and verifies all chunk signatures when read in %i-byte slices', async (size) => {
    const out = await decodeWith({ signing: docSigning(), trailer: false, decodedLength: 66560 }, docBody(), size);
    expect(out.equals(Buffer.alloc(66560, 'a'))).toBe(true);
  });

  it('the seed signature itself comes out of the verifier for the example request', async () => {
    // (verified in sigv4-verifier.spec: the example's seed request checks out)
    expect(docSigning().seedSignature).toBe(DOC_SEED);
  });

  it('fails on a changed byte, a changed signature, a swapped seed and a wrong length', async () => {
    const flipped = docBody();
    flipped[200] = 'b'.charCodeAt(0);
    expect((await errorOf(decodeWith({ signing: docSigning(), trailer: false }, flipped))).code).toBe('SignatureDoesNotMatch');

    const badSig = Buffer.from(docBody().toString('latin1').replace('0055627c', '0055627d'), 'latin1');
    expect((await errorOf(decodeWith({ signing: docSigning(), trailer: false }, badSig))).code).toBe('SignatureDoesNotMatch');

    const otherSeed = { ...docSigning(), seedSignature: 'f'.repeat(64) };
    expect((await errorOf(decodeWith({ signing: otherSeed, trailer: false }, docBody()))).code).toBe('SignatureDoesNotMatch');

    expect((await errorOf(decodeWith({ signing: docSigning(), trailer: false, decodedLength: 66561 }, docBody()))).code).toBe('IncompleteBody');
    expect((await errorOf(decodeWith({ signing: docSigning(), trailer: false, decodedLength: 1000 }, docBody()))).code).toBe('InvalidRequest');
  });

  it('a bad chunk fails the stream before its end: the consumer never sees a complete body', async () => {
    const flipped = docBody();
    flipped[66000] ^= 1; // inside the second chunk (65712..66736)
    const sut = new AwsChunkedDecoder({ signing: docSigning(), trailer: false });
    let ended = false;
    sut.on('end', () => (ended = true));
    const e = await errorOf(collect(Readable.from(slices(flipped, 4096)).pipe(sut)));
    expect(e.code).toBe('SignatureDoesNotMatch');
    expect(ended).toBe(false);
  });

  it('streams: data come out before the body has all arrived (no whole-body buffering)', async () => {
    const sut = new AwsChunkedDecoder({ trailer: false });
    const seen: number[] = [];
    sut.on('data', (c: Buffer) => seen.push(c.length));
    sut.write(Buffer.from(`${(8 << 20).toString(16)}\r\n`));
    sut.write(Buffer.alloc(1 << 20, 1));
    await new Promise((r) => setImmediate(r));
    expect(seen.reduce((a, b) => a + b, 0)).toBe(1 << 20);
    sut.destroy();
  });
});

describe('AwsChunkedDecoder framing', () => {
  const unsigned = (data: Buffer[], trailer?: [string, string][]) => encodeAwsChunked(data, { trailer });

  it.each([
    ['a non-hex size', Buffer.from('zz\r\nabc\r\n0\r\n\r\n'), 'InvalidRequest'],
    ['a size line without CR', Buffer.from('3\nabc\r\n0\r\n\r\n'), 'InvalidRequest'],
    ['data longer than the size', Buffer.from('3\r\nabcd\r\n0\r\n\r\n'), 'InvalidRequest'],
    ['an endless size line', Buffer.from('1'.repeat(10000)), 'InvalidRequest'],
    ['a body cut in a chunk', Buffer.from('10\r\nabc'), 'IncompleteBody'],
    ['a body without its final chunk', Buffer.from('3\r\nabc\r\n'), 'IncompleteBody'],
    ['bytes after the end', Buffer.from('3\r\nabc\r\n0\r\n\r\nmore'), 'InvalidRequest'],
    ['a trailer in a body declared without one', Buffer.from('3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n'), 'InvalidRequest'],
  ])('refuses %s', async (_name, wire, code) => {
    expect((await errorOf(decodeWith({ trailer: false }, wire as Buffer, 5))).code).toBe(code);
  });

  it('refuses a signed body whose chunks carry no signature', async () => {
    expect((await errorOf(decodeWith({ signing: docSigning(), trailer: false }, unsigned([Buffer.from('abc')]))))).toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('refuses more than maxSize decoded bytes', async () => {
    expect((await errorOf(decodeWith({ trailer: false, maxSize: 10 }, unsigned([Buffer.alloc(6), Buffer.alloc(6)])))).code).toBe('EntityTooLarge');
  });

  it('refuses trailers that were not declared, are repeated, or are missing', async () => {
    const data = Buffer.from('hello');
    const crc = checksumOf('crc32', data);
    const declared = { trailer: true, checksum: { algorithm: 'crc32' as const } };
    expect((await errorOf(decodeWith({ trailer: true }, unsigned([data], [['x-amz-checksum-crc32', crc]])))).code).toBe('MalformedTrailerError');
    expect((await errorOf(decodeWith(declared, unsigned([data], [['x-amz-checksum-crc32', crc], ['x-amz-checksum-crc32', crc]])))).code).toBe('MalformedTrailerError');
    expect((await errorOf(decodeWith(declared, unsigned([data])))).code).toBe('MalformedTrailerError');
    expect((await errorOf(decodeWith(declared, unsigned([data], [['x-amz-checksum-crc32', 'not base64!']])))).code).toBe('InvalidRequest');
    expect((await errorOf(decodeWith(declared, Buffer.from(`5\r\nhello\r\n0\r\n${'x'.repeat(20000)}`), 100))).code).toBe('MalformedTrailerError');
  });

  it('random garbage only ever fails with an S3Error (or decodes)', async () => {
    const pieces = fc.constantFrom('0', '1', 'a', 'ff', ';', 'chunk-signature=', 'f'.repeat(64), '\r\n', '\r', '\n', 'x-amz-checksum-crc32:', 'AAAAAA==', 'x-amz-trailer-signature:', ':', ' ');
    const garbage = fc.oneof(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), fc.array(pieces, { maxLength: 40 }).map((a) => Buffer.from(a.join(''))));
    await fc.assert(
      fc.asyncProperty(garbage, fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 50 }), async (wire, signed, trailer, slice) => {
        const opts: AwsChunkedOptions = { signing: signed ? docSigning() : undefined, trailer, checksum: trailer ? { algorithm: 'crc32' } : undefined };
        try {
          await decodeWith(opts, wire, slice);
          return true;
        } catch (e) {
          return e instanceof S3Error;
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('decodeBody: every payload mode, signed by the reference signer', () => {
  const host = '127.0.0.1:9000';
  const now = Date.now();
  const sut = new SigV4Verifier({ credentials: new MapCredentialStore({ [TEST_KEY.accessKeyId]: { secret: TEST_KEY.secret, owner: 'alice' } }), now: () => now });
  const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251));
  const parts = [payload.subarray(0, 65536), payload.subarray(65536, 131072), payload.subarray(131072)];

  async function streaming(mode: string, headers: Record<string, string>, encode: (s: ChunkSigningContext) => Buffer): Promise<{ r: S3Request; v: VerifiedRequest }> {
    const signed = await signWithHeader(
      { method: 'PUT', host, path: '/b/k', headers: { 'x-amz-decoded-content-length': String(payload.length), ...headers } },
      { payloadHash: mode, date: new Date(now) },
    );
    const v = await sut.verify(signed);
    return { r: { ...signed, body: Readable.from(slices(encode(v.signing), 10_000)) }, v };
  }

  it('UNSIGNED-PAYLOAD passes the body through', async () => {
    const r = await signWithHeader({ method: 'PUT', host, path: '/b/k', headers: { 'content-length': String(payload.length) }, body: payload }, { payloadHash: 'UNSIGNED-PAYLOAD' });
    const d = decodeBody(r, await sut.verify(r));
    expect(d.size).toBe(payload.length);
    expect((await collect(d.body)).equals(payload)).toBe(true);
  });

  it('a signed SHA-256 payload is held to its hash', async () => {
    const hash = createHash('sha256').update(payload).digest('hex');
    const r = await signWithHeader({ method: 'PUT', host, path: '/b/k', body: payload }, { payloadHash: hash });
    expect((await collect(decodeBody(r, await sut.verify(r)).body)).equals(payload)).toBe(true);

    const other = Buffer.from(payload);
    other[1000] ^= 0xff;
    const r2 = await signWithHeader({ method: 'PUT', host, path: '/b/k', body: other }, { payloadHash: hash });
    const d = decodeBody(r2, await sut.verify(r2));
    let ended = false;
    d.body.on('end', () => (ended = true));
    expect((await errorOf(collect(d.body))).code).toBe('XAmzContentSHA256Mismatch');
    expect(ended).toBe(false);
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD with several chunks', async () => {
    const { r, v } = await streaming('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', {}, (s) => encodeAwsChunked(parts, { signing: s }));
    const d = decodeBody(r, v);
    expect(d.size).toBe(payload.length);
    expect((await collect(d.body)).equals(payload)).toBe(true);
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD with a tampered chunk fails', async () => {
    const { r, v } = await streaming('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', {}, (s) => {
      const wire = encodeAwsChunked(parts, { signing: s });
      wire[wire.length - 500] ^= 1; // in the last data chunk
      return wire;
    });
    expect((await errorOf(collect(decodeBody(r, v).body))).code).toBe('SignatureDoesNotMatch');
  });

  for (const algorithm of ['crc32', 'crc32c', 'sha1', 'sha256'] as const) {
    const name = `x-amz-checksum-${algorithm}`;

    it(`STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER with ${name}`, async () => {
      const good = checksumOf(algorithm, payload);
      const run = (value: string, tamper?: (w: Buffer) => void) =>
        streaming('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', { 'x-amz-trailer': name }, (s) => {
          const w = encodeAwsChunked(parts, { signing: s, trailer: [[name, value]] });
          tamper?.(w);
          return w;
        });
      const ok = await run(good);
      expect((await collect(decodeBody(ok.r, ok.v).body)).equals(payload)).toBe(true);
      const bad = await run(checksumOf(algorithm, Buffer.from('other')));
      expect((await errorOf(collect(decodeBody(bad.r, bad.v).body))).code).toBe('BadDigest');
      // The trailer signature covers the trailer: change one character of the signature line.
      const forged = await run(good, (w) => (w[w.length - 5] = w[w.length - 5] === 0x61 ? 0x62 : 0x61));
      expect((await errorOf(collect(decodeBody(forged.r, forged.v).body))).code).toBe('SignatureDoesNotMatch');
    });

    it(`STREAMING-UNSIGNED-PAYLOAD-TRAILER with ${name}`, async () => {
      const run = (value: string) => streaming('STREAMING-UNSIGNED-PAYLOAD-TRAILER', { 'x-amz-trailer': name }, () => encodeAwsChunked(parts, { trailer: [[name, value]] }));
      const ok = await run(checksumOf(algorithm, payload));
      expect((await collect(decodeBody(ok.r, ok.v).body)).equals(payload)).toBe(true);
      const bad = await run(checksumOf(algorithm, Buffer.from('other')));
      expect((await errorOf(collect(decodeBody(bad.r, bad.v).body))).code).toBe('BadDigest');
    });

    it(`${name} as a header on an unsigned body`, async () => {
      const put = async (body: Buffer) => {
        const r = await signWithHeader({ method: 'PUT', host, path: '/b/k', headers: { [name]: checksumOf(algorithm, payload) }, body }, { payloadHash: 'UNSIGNED-PAYLOAD' });
        return collect(decodeBody(r, await sut.verify(r)).body);
      };
      expect((await put(payload)).equals(payload)).toBe(true);
      expect((await errorOf(put(Buffer.concat([payload, Buffer.from('x')])))).code).toBe('BadDigest');
    });
  }

  it('a checksum header on a signed streaming body is checked too', async () => {
    const { r, v } = await streaming('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', { 'x-amz-checksum-crc32c': checksumOf('crc32c', Buffer.from('x')) }, (s) => encodeAwsChunked(parts, { signing: s }));
    expect((await errorOf(collect(decodeBody(r, v).body))).code).toBe('BadDigest');
  });

  it('Content-MD5 is checked (and refused when malformed)', async () => {
    const md5 = createHash('md5').update(payload).digest('base64');
    const put = async (contentMd5: string) => {
      const r = await signWithHeader({ method: 'PUT', host, path: '/b/k', headers: { 'content-md5': contentMd5 }, body: payload }, { payloadHash: 'UNSIGNED-PAYLOAD' });
      return collect(decodeBody(r, await sut.verify(r)).body);
    };
    expect((await put(md5)).equals(payload)).toBe(true);
    expect((await errorOf(put(createHash('md5').update('x').digest('base64')))).code).toBe('BadDigest');
    expect((await errorOf(put('abc'))).code).toBe('InvalidDigest');
    expect(() => checkContentMd5(md5, createHash('md5').update(payload).digest('hex'))).not.toThrow();
    expect(() => checkContentMd5(md5, createHash('md5').update('y').digest('hex'))).toThrow(S3Error);
  });

  it('refuses bad payload headers before reading the body', async () => {
    const make = async (payloadHash: string, headers: Record<string, string> = {}) => {
      const r = await signWithHeader({ method: 'PUT', host, path: '/b/k', headers }, { payloadHash });
      const v = await sut.verify(r);
      return () => decodeBody(r, v);
    };
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as S3Error).code;
      }
      return 'none';
    };
    expect(codeOf(await make('not-a-hash'))).toBe('InvalidArgument');
    expect(codeOf(await make('STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD'))).toBe('NotImplemented');
    expect(codeOf(await make('UNSIGNED-PAYLOAD', { 'x-amz-checksum-crc64nvme': 'AAAAAAAAAAA=' }))).toBe('NotImplemented');
    expect(codeOf(await make('UNSIGNED-PAYLOAD', { 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-checksum-sha1': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }))).toBe('InvalidRequest');
    expect(codeOf(await make('UNSIGNED-PAYLOAD', { 'x-amz-checksum-crc32': 'AAAA' }))).toBe('InvalidRequest');
    expect(codeOf(await make('UNSIGNED-PAYLOAD', { 'x-amz-trailer': 'x-amz-checksum-crc32' }))).toBe('InvalidRequest');
    expect(codeOf(await make('STREAMING-UNSIGNED-PAYLOAD-TRAILER', { 'x-amz-decoded-content-length': '-1' }))).toBe('InvalidArgument');
    expect(codeOf(await make('UNSIGNED-PAYLOAD', { 'content-length': '1e3' }))).toBe('InvalidArgument');
  });

  it('refuses a body declared larger than maxSize at once', async () => {
    const r = await signWithHeader({ method: 'PUT', host, path: '/b/k', headers: { 'content-length': '1000' } }, { payloadHash: 'UNSIGNED-PAYLOAD' });
    const v = await sut.verify(r);
    expect(() => decodeBody(r, v, { maxSize: 999 })).toThrow(expect.objectContaining({ code: 'EntityTooLarge' }));
  });

  it('a checksum header verifies the same way the trailer does', () => {
    expect(expectedChecksum({ 'x-amz-checksum-crc32': checksumOf('crc32', Buffer.from('hi')) })).toEqual({ algorithm: 'crc32', value: checksumOf('crc32', Buffer.from('hi')) });
    expect(expectedChecksum({ 'x-amz-trailer': 'x-amz-checksum-sha256' })).toEqual({ algorithm: 'sha256' });
    // The checksums are the standard ones (check values of "123456789").
    expect(crc32(Buffer.from('123456789')).toString(16)).toBe('cbf43926');
    expect(crc32c(Buffer.from('123456789')).toString(16)).toBe('e3069283');
    expect(checksumOf('crc32', Buffer.from('123456789'))).toBe(Buffer.from('cbf43926', 'hex').toString('base64'));
  });

  it('readSmallBody reads up to its limit and refuses more', async () => {
    expect((await readSmallBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4)).toString()).toBe('abcd');
    expect((await errorOf(readSmallBody(Readable.from([Buffer.from('ab'), Buffer.from('cde')]), 4))).code).toBe('MaxMessageLengthExceeded');
    // A body failing on its way (a bad signature) fails the read with its S3Error.
    const hash = createHash('sha256').update('x').digest('hex');
    const r = await signWithHeader({ method: 'POST', host, path: '/b', query: { delete: '' }, body: Buffer.from('y') }, { payloadHash: hash });
    expect((await errorOf(readSmallBody(decodeBody(r, await sut.verify(r)).body, 1000))).code).toBe('XAmzContentSHA256Mismatch');
  });

  it('random payload headers and bodies only ever yield an S3Error (or a body)', async () => {
    const v: VerifiedRequest = { accessKeyId: 'a', owner: 'o', kind: 'header', payloadHash: '', signing: docSigning() };
    const modes = fc.constantFrom('UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', 'e'.repeat(64), 'junk', '');
    const headerNames = fc.constantFrom('x-amz-checksum-crc32', 'x-amz-checksum-sha256', 'x-amz-checksum-crc64nvme', 'x-amz-trailer', 'x-amz-decoded-content-length', 'content-length', 'content-md5', 'x-amz-sdk-checksum-algorithm');
    const values = fc.oneof(fc.constantFrom('AAAAAA==', 'x-amz-checksum-crc32', 'x-amz-checksum-sha1, x-amz-checksum-crc32', '5', '-1', 'CRC32', '1B2M2Y8AsgTpgAmY7PhCfg=='), fc.string({ maxLength: 20 }));
    await fc.assert(
      fc.asyncProperty(modes, fc.dictionary(headerNames, values, { maxKeys: 4 }), fc.uint8Array({ maxLength: 200 }), async (mode, headers, body) => {
        const r: S3Request = { method: 'PUT', path: '/b/k', query: '', headers, body: Readable.from(body.length ? [Buffer.from(body)] : []) };
        try {
          await collect(decodeBody(r, { ...v, payloadHash: mode }, { maxSize: 100 }).body);
          return true;
        } catch (e) {
          return e instanceof S3Error;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('sha256Verifier passes matching bytes', async () => {
    const hex = createHash('sha256').update(payload).digest('hex');
    expect((await collect(Readable.from(slices(payload, 777)).pipe(sha256Verifier(hex)))).equals(payload)).toBe(true);
  });
});

describe('decodeBody with what the AWS SDK sends (default settings: CRC32 checksums)', () => {
  const now = Date.now();
  const sut = new SigV4Verifier({ credentials: new MapCredentialStore({ [TEST_KEY.accessKeyId]: { secret: TEST_KEY.secret, owner: 'alice' } }), now: () => now });

  function client(extra: Record<string, unknown> = {}) {
    const sent: { method: string; path: string; query: Record<string, unknown>; headers: Record<string, string>; body: unknown }[] = [];
    const c = new S3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: TEST_KEY.accessKeyId, secretAccessKey: TEST_KEY.secret },
      requestHandler: {
        handle: async (request: (typeof sent)[number]) => {
          sent.push(request);
          // Drain the body as a server would (aws-chunked bodies are streams made on the fly).
          const b = request.body;
          request.body = b instanceof Readable ? await collect(b) : b;
          return { response: { statusCode: 200, headers: { etag: '"x"' }, body: Readable.from([]) } };
        },
      } as never,
      ...extra,
    });
    return { c, sent };
  }

  const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 13) % 256));

  it.each([
    ['a Buffer body (signed SHA-256, CRC32 header)', () => data, data.length, { kind: 'sha256' }, 'x-amz-checksum-crc32'],
    ['a stream body of known length (aws-chunked, CRC32 trailer)', () => Readable.from(slices(data, 50_000)), data.length, { kind: 'chunked', signed: false, trailer: true }, 'x-amz-trailer'],
    ['a stream body of unknown length', () => Readable.from(slices(data, 50_000)), undefined, { kind: 'chunked', signed: false, trailer: true }, 'x-amz-trailer'],
  ])('PutObject with %s', async (_name, body, length, mode, checksumHeader) => {
    const { c, sent } = client();
    await c.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: body(), ContentLength: length }));
    const s = sent[0];
    const r = toS3Request(s, s.body as Buffer);
    const v = await sut.verify(r);
    const d = decodeBody(r, v);
    expect(d.mode).toMatchObject(mode);
    expect(r.headers[checksumHeader]).toBeDefined();
    expect((await collect(d.body)).equals(data)).toBe(true);
  });

  it.each(['CRC32', 'CRC32C', 'SHA1', 'SHA256'])('PutObject with ChecksumAlgorithm %s, header and streamed trailer', async (algorithm) => {
    for (const body of [() => data, () => Readable.from(slices(data, 40_000))]) {
      const { c, sent } = client();
      await c.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: body(), ContentLength: data.length, ChecksumAlgorithm: algorithm as ChecksumAlgorithm }));
      const r = toS3Request(sent[0], sent[0].body as Buffer);
      expect((await collect(decodeBody(r, await sut.verify(r)).body)).equals(data)).toBe(true);
      // The same request with one byte changed is refused.
      const changed = Buffer.from(sent[0].body as Buffer);
      changed[changed.length >> 1] ^= 1;
      const r2 = toS3Request(sent[0], changed);
      expect((await errorOf(collect(decodeBody(r2, await sut.verify(r2)).body))).code).toMatch(/^(BadDigest|XAmzContentSHA256Mismatch)$/);
    }
  });
});
