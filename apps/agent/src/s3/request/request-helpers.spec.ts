import fc from 'fast-check';
import { encodeKeyPath } from '../testing/reference-signer';
import { S3Error } from '../xml/s3-error';
import { resolveAddress, resourceOf } from './addressing';
import { assertBucketName, bucketNameProblem } from './bucket-name';
import { copySourceConditionHeaders, evaluateCopySourceConditions, evaluateReadConditions, evaluateWriteConditions, readConditionHeaders } from './conditional';
import { formatHttpDate, parseHttpDate } from './http-date';
import { parseListParams, responseOverrides } from './list-params';
import { assertObjectKey, userMetadataFromHeaders, userMetadataToHeaders } from './object-key';
import { contentRange, parseRange } from './range';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof S3Error) return e.code;
    throw e;
  }
  return 'none';
}

describe('bucket names', () => {
  it.each(['abc', 'my-bucket', 'my.bucket.name', 'a1b', '123', 'x'.repeat(63)])('accepts %s', (name) => {
    expect(bucketNameProblem(name)).toBeUndefined();
  });
  it.each(['ab', 'x'.repeat(64), 'My-Bucket', 'my_bucket', '-abc', 'abc-', '.abc', 'abc.', 'a..b', 'a.-b', 'a-.b', '192.168.1.1', 'xn--abc', 'sthree-abc', 'abc-s3alias', 'abc--ol-s3', 'a b', 'ü-bucket', ''])(
    'refuses %j with InvalidBucketName',
    (name) => {
      expect(codeOf(() => assertBucketName(name))).toBe('InvalidBucketName');
    },
  );
});

describe('object keys and user metadata', () => {
  it('keys: 1024 bytes of UTF-8 at most, not empty', () => {
    expect(codeOf(() => assertObjectKey('a'.repeat(1024)))).toBe('none');
    expect(codeOf(() => assertObjectKey('€'.repeat(341)))).toBe('none'); // 1023 bytes
    expect(codeOf(() => assertObjectKey('€'.repeat(342)))).toBe('KeyTooLongError'); // 1026 bytes
    expect(codeOf(() => assertObjectKey('a'.repeat(1025)))).toBe('KeyTooLongError');
    expect(codeOf(() => assertObjectKey(''))).toBe('InvalidArgument');
  });

  it('metadata: x-amz-meta-* only, 2 KiB of names and values at most', () => {
    expect(userMetadataFromHeaders({ 'x-amz-meta-colour': 'blue', 'x-amz-meta-mtime': '1700000000.5', 'content-type': 'text/plain', 'x-amz-date': 'x' })).toEqual({ colour: 'blue', mtime: '1700000000.5' });
    const fits = { 'x-amz-meta-a': 'x'.repeat(2047) };
    expect(codeOf(() => userMetadataFromHeaders(fits))).toBe('none');
    expect(codeOf(() => userMetadataFromHeaders({ ...fits, 'x-amz-meta-b': '' }))).toBe('MetadataTooLarge');
    expect(codeOf(() => userMetadataFromHeaders({ 'x-amz-meta-a': '€'.repeat(683) }))).toBe('MetadataTooLarge');
    expect(codeOf(() => userMetadataFromHeaders({ 'x-amz-meta-': 'v' }))).toBe('InvalidArgument');
    expect(userMetadataToHeaders({ Colour: 'blue' })).toEqual({ 'x-amz-meta-colour': 'blue' });
  });
});

describe('Range', () => {
  const size = 1000;
  it.each([
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=10-', { start: 10, end: 999 }],
    ['bytes=990-5000', { start: 990, end: 999 }],
    ['bytes=-10', { start: 990, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['bytes= 5 - 6 ', { start: 5, end: 6 }],
  ])('%s → %j', (h, r) => {
    expect(parseRange(h, size)).toEqual(r);
  });
  it.each(['items=0-1', 'bytes=a-b', 'bytes=5-1', 'bytes=0-1,5-6', 'bytes=-', 'bytes=', 'bytes=99999999999999999999-'])('ignores %s (whole object)', (h) => {
    expect(parseRange(h, size)).toBeUndefined();
  });
  it.each([['bytes=1000-'], ['bytes=1000-2000'], ['bytes=-0']])('refuses %s with InvalidRange (416)', (h) => {
    const e = (() => {
      try {
        parseRange(h, size);
      } catch (x) {
        return x as S3Error;
      }
    })();
    expect(e?.code).toBe('InvalidRange');
    expect(e?.status).toBe(416);
    expect(e?.details.ActualObjectSize).toBe('1000');
  });
  it('any range of an empty object is unsatisfiable', () => {
    expect(codeOf(() => parseRange('bytes=0-', 0))).toBe('InvalidRange');
    expect(codeOf(() => parseRange('bytes=-1', 0))).toBe('InvalidRange');
    expect(parseRange(undefined, 0)).toBeUndefined();
  });
  it('always lands inside the object', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(10_000), (h, n) => {
        try {
          const r = parseRange(h, n);
          return r === undefined || (r.start >= 0 && r.start <= r.end && r.end < n);
        } catch (e) {
          return e instanceof S3Error && e.code === 'InvalidRange';
        }
      }),
    );
    expect(contentRange({ start: 0, end: 9 }, 100)).toBe('bytes 0-9/100');
  });
});

describe('HTTP dates', () => {
  it('formats RFC 1123 and parses all three HTTP forms', () => {
    const d = new Date(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(formatHttpDate(d)).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')?.getTime()).toBe(d.getTime());
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')?.getTime()).toBe(d.getTime());
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')?.getTime()).toBe(d.getTime());
    for (const bad of ['', 'yesterday', 'Sun, 31 Feb 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 25:49:37 GMT', '1994-11-06T08:49:37Z']) expect(parseHttpDate(bad)).toBeUndefined();
  });
  it('round-trips any date to the second', () => {
    fc.assert(fc.property(fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0, 1)), noInvalidDate: true }), (d) => parseHttpDate(formatHttpDate(d))?.getTime() === Math.floor(d.getTime() / 1000) * 1000));
  });
});

describe('conditional requests', () => {
  const target = { etag: '"abc"', lastModified: new Date(Date.UTC(2026, 0, 2, 12, 0, 0, 500)) };
  const before = 'Fri, 02 Jan 2026 11:00:00 GMT';
  const same = 'Fri, 02 Jan 2026 12:00:00 GMT';
  const after = 'Fri, 02 Jan 2026 13:00:00 GMT';
  const read = (h: Record<string, string>) => {
    try {
      return evaluateReadConditions(readConditionHeaders(h), target);
    } catch (e) {
      return (e as S3Error).code;
    }
  };

  it.each([
    [{}, 'proceed'],
    [{ 'if-match': '"abc"' }, 'proceed'],
    [{ 'if-match': 'abc' }, 'proceed'],
    [{ 'if-match': '"x", "abc"' }, 'proceed'],
    [{ 'if-match': '*' }, 'proceed'],
    [{ 'if-match': '"x"' }, 'PreconditionFailed'],
    [{ 'if-none-match': '"abc"' }, 'not-modified'],
    [{ 'if-none-match': 'abc' }, 'not-modified'],
    [{ 'if-none-match': 'W/"abc"' }, 'not-modified'],
    [{ 'if-none-match': '"x"' }, 'proceed'],
    [{ 'if-modified-since': before }, 'proceed'],
    [{ 'if-modified-since': same }, 'not-modified'],
    [{ 'if-modified-since': after }, 'not-modified'],
    [{ 'if-unmodified-since': before }, 'PreconditionFailed'],
    [{ 'if-unmodified-since': same }, 'proceed'],
    [{ 'if-modified-since': 'garbage' }, 'proceed'],
    [{ 'if-unmodified-since': 'garbage' }, 'proceed'],
    // S3's precedence: If-Match true wins over If-Unmodified-Since false…
    [{ 'if-match': 'abc', 'if-unmodified-since': before }, 'proceed'],
    // …and If-None-Match false wins over If-Modified-Since true (→ 200, not 304)…
    [{ 'if-none-match': '"x"', 'if-modified-since': after }, 'proceed'],
    // …while If-None-Match true with If-Modified-Since false is still 304.
    [{ 'if-none-match': 'abc', 'if-modified-since': before }, 'not-modified'],
    [{ 'if-match': 'x', 'if-none-match': 'abc' }, 'PreconditionFailed'],
  ])('%j → %s', (h, expected) => {
    expect(read(h)).toBe(expected);
  });

  it('copy-source conditions never answer 304', () => {
    const copy = (h: Record<string, string>) => codeOf(() => evaluateCopySourceConditions(copySourceConditionHeaders(h), target));
    expect(copy({ 'x-amz-copy-source-if-match': 'abc' })).toBe('none');
    expect(copy({ 'x-amz-copy-source-if-match': '"zz"' })).toBe('PreconditionFailed');
    expect(copy({ 'x-amz-copy-source-if-none-match': '"abc"' })).toBe('PreconditionFailed');
    expect(copy({ 'x-amz-copy-source-if-modified-since': after })).toBe('PreconditionFailed');
    expect(copy({ 'x-amz-copy-source-if-unmodified-since': before })).toBe('PreconditionFailed');
    expect(copy({ 'x-amz-copy-source-if-match': 'abc', 'x-amz-copy-source-if-unmodified-since': before })).toBe('none');
  });

  it('conditional writes: If-None-Match: * and If-Match', () => {
    // null stands for "no object" (undefined would pick the default).
    const write = (h: Record<string, string>, current: typeof target | null = target) => codeOf(() => evaluateWriteConditions(h, current ?? undefined));
    expect(write({ 'if-none-match': '*' }, null)).toBe('none');
    expect(write({ 'if-none-match': '*' })).toBe('PreconditionFailed');
    expect(write({ 'if-none-match': '"abc"' })).toBe('NotImplemented');
    expect(write({ 'if-match': '"abc"' })).toBe('none');
    expect(write({ 'if-match': 'abc' })).toBe('none');
    expect(write({ 'if-match': 'zz' })).toBe('PreconditionFailed');
    expect(write({ 'if-match': 'abc' }, null)).toBe('NoSuchKey');
  });
});

describe('addressing', () => {
  it('path style', () => {
    expect(resolveAddress('/', 'h:9000')).toEqual({ style: 'path' });
    expect(resolveAddress('/bucket', 'h')).toEqual({ bucket: 'bucket', key: undefined, style: 'path' });
    expect(resolveAddress('/bucket/', 'h')).toEqual({ bucket: 'bucket', key: undefined, style: 'path' });
    expect(resolveAddress('/bucket/a/b%20c%2Bd+e%25f/', 'h')).toEqual({ bucket: 'bucket', key: 'a/b c+d+e%f/', style: 'path' });
    expect(resolveAddress('/bucket//double', 'h').key).toBe('/double');
  });

  it('virtual-hosted style only under the configured domain', () => {
    expect(resolveAddress('/a/b', 'my.bucket.s3.example.com:9000', 's3.example.com')).toEqual({ bucket: 'my.bucket', key: 'a/b', style: 'virtual-hosted' });
    expect(resolveAddress('/', 'bucket.S3.Example.com', 's3.example.com')).toEqual({ bucket: 'bucket', key: undefined, style: 'virtual-hosted' });
    expect(resolveAddress('/bucket/k', 's3.example.com', 's3.example.com')).toMatchObject({ bucket: 'bucket', key: 'k', style: 'path' });
    expect(resolveAddress('/bucket/k', 'bucket.other.com', 's3.example.com')).toMatchObject({ bucket: 'bucket', key: 'k', style: 'path' });
    expect(resolveAddress('/bucket/k', 'bucket.s3.example.com')).toMatchObject({ bucket: 'bucket', style: 'path' });
  });

  it('refuses undecodable paths with InvalidURI', () => {
    expect(codeOf(() => resolveAddress('/b/%zz', 'h'))).toBe('InvalidURI');
    expect(codeOf(() => resolveAddress('/b/%C3%28', 'h'))).toBe('InvalidURI');
    expect(codeOf(() => resolveAddress('b/k', 'h'))).toBe('InvalidURI');
  });

  it('gives back any key encoded the way the AWS SDK encodes it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), (key) => resolveAddress('/bucket/' + encodeKeyPath(key), 'h').key === key),
      { numRuns: 300 },
    );
    expect(resourceOf({ bucket: 'b', key: 'k/x', style: 'path' })).toBe('/b/k/x');
    expect(resourceOf({ bucket: 'b', style: 'path' })).toBe('/b');
  });
});

describe('listing parameters and response overrides', () => {
  it('reads V1 and V2 parameters, caps max-keys at 1000, treats an empty delimiter as none', () => {
    expect(parseListParams('list-type=2&prefix=a%20b&delimiter=&max-keys=5000&encoding-type=url&continuation-token=t%2B&start-after=s&fetch-owner=true')).toEqual({
      version: 2, prefix: 'a b', delimiter: undefined, maxKeys: 1000, encodingType: 'url', marker: undefined, continuationToken: 't+', startAfter: 's', fetchOwner: true, keyMarker: undefined,
    });
    expect(parseListParams('marker=m&max-keys=0&delimiter=%2F')).toMatchObject({ version: 1, marker: 'm', maxKeys: 0, delimiter: '/', prefix: '' });
    expect(codeOf(() => parseListParams('max-keys=-1'))).toBe('InvalidArgument');
    expect(codeOf(() => parseListParams('max-keys=ten'))).toBe('InvalidArgument');
    expect(codeOf(() => parseListParams('encoding-type=base64'))).toBe('InvalidArgument');
    expect(codeOf(() => parseListParams('list-type=3'))).toBe('InvalidArgument');
  });

  it('maps response-* parameters onto headers and refuses header injection', () => {
    expect(responseOverrides('response-content-type=text%2Fplain&response-content-disposition=attachment%3B%20filename%3D%22a.txt%22&other=1')).toEqual({
      'content-type': 'text/plain',
      'content-disposition': 'attachment; filename="a.txt"',
    });
    expect(codeOf(() => responseOverrides('response-content-type=a%0D%0ASet-Cookie%3A%20x'))).toBe('InvalidArgument');
  });
});
