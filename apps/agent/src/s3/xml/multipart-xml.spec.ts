import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { S3Error } from './s3-error';
import { completeMultipartUploadResultXml, listMultipartUploadsResultXml, listPartsResultXml, parseCompleteMultipartUpload } from './multipart-xml';

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof S3Error) return e.code;
    throw e;
  }
  return 'ok';
};

describe('CompleteMultipartUpload request', () => {
  it('reads the parts as the SDKs send them (namespace, quoted ETags, checksums ignored)', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
      <Part><ETag>"0123"</ETag><PartNumber>1</PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>
      <Part><PartNumber>2</PartNumber><ETag>abc</ETag></Part></CompleteMultipartUpload>`;
    expect(parseCompleteMultipartUpload(Buffer.from(xml))).toEqual([
      { partNumber: 1, etag: '"0123"' },
      { partNumber: 2, etag: 'abc' },
    ]);
    expect(parseCompleteMultipartUpload(Buffer.from('<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e&quot;</ETag></Part></CompleteMultipartUpload>'))).toEqual([{ partNumber: 1, etag: '"e"' }]);
  });

  it('refuses what is not a list of 1 to 10000 parts with numbers and ETags', () => {
    expect(code(() => parseCompleteMultipartUpload(Buffer.from('<CompleteMultipartUpload></CompleteMultipartUpload>')))).toBe('MalformedXML');
    expect(code(() => parseCompleteMultipartUpload(Buffer.from('<Other><Part><PartNumber>1</PartNumber><ETag>e</ETag></Part></Other>')))).toBe('MalformedXML');
    expect(code(() => parseCompleteMultipartUpload(Buffer.from('<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>')))).toBe('MalformedXML');
    expect(code(() => parseCompleteMultipartUpload(Buffer.from('<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>')))).toBe('MalformedXML');
    expect(code(() => parseCompleteMultipartUpload(Buffer.from('<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>')))).toBe('InvalidArgument');
    expect(code(() => parseCompleteMultipartUpload(Buffer.from('<CompleteMultipartUpload><Part><PartNumber>10001</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>')))).toBe('InvalidArgument');
    const many = `<CompleteMultipartUpload>${'<Part><PartNumber>1</PartNumber><ETag>e</ETag></Part>'.repeat(10_001)}</CompleteMultipartUpload>`;
    expect(code(() => parseCompleteMultipartUpload(Buffer.from(many)))).toBe('MalformedXML');
    expect(code(() => parseCompleteMultipartUpload(Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]><CompleteMultipartUpload/>')))).toBe('MalformedXML');
    expect(code(() => parseCompleteMultipartUpload(Buffer.alloc(5 * 1024 * 1024, 32)))).toBe('MaxMessageLengthExceeded');
  });

  it('only ever answers garbage with an S3Error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (garbage) => {
        const body = Buffer.from(`<CompleteMultipartUpload><Part>${garbage}</Part></CompleteMultipartUpload>`);
        try {
          parseCompleteMultipartUpload(body);
        } catch (e) {
          if (!(e instanceof S3Error)) throw e;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('multipart answers', () => {
  const owner = { id: 'alice', displayName: 'alice' };

  it('quote ETags, escape keys, and url-encode them when asked', () => {
    expect(completeMultipartUploadResultXml({ location: '/b/k', bucket: 'b', key: 'a&b', etag: 'abc-2' })).toContain('<Key>a&amp;b</Key><ETag>&quot;abc-2&quot;</ETag>');
    const parts = listPartsResultXml({ bucket: 'b', key: 'a b+c', uploadId: 'U', owner, partNumberMarker: 0, nextPartNumberMarker: 2, maxParts: 2, isTruncated: true, encodingType: 'url', parts: [{ partNumber: 2, lastModified: new Date(0), etag: 'e', size: 5 }] });
    expect(parts).toContain('<Key>a%20b%2Bc</Key>');
    expect(parts).toContain('<NextPartNumberMarker>2</NextPartNumberMarker><MaxParts>2</MaxParts><IsTruncated>true</IsTruncated><EncodingType>url</EncodingType>');
    expect(parts).toContain('<Part><PartNumber>2</PartNumber><LastModified>1970-01-01T00:00:00.000Z</LastModified><ETag>&quot;e&quot;</ETag><Size>5</Size></Part>');
    const uploads = listMultipartUploadsResultXml({ bucket: 'b', owner, prefix: 'd/', delimiter: '/', maxUploads: 10, isTruncated: false, uploads: [{ key: 'd/k', uploadId: 'U', initiated: new Date(0) }], commonPrefixes: ['d/e/'] });
    expect(uploads).toMatch(/^<\?xml[^>]*\?>\n<ListMultipartUploadsResult xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/">/);
    expect(uploads).toContain('<Upload><Key>d/k</Key><UploadId>U</UploadId>');
    expect(uploads).toContain('<CommonPrefixes><Prefix>d/e/</Prefix></CommonPrefixes>');
  });
});
