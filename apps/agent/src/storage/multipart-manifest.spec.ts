import { createHash } from 'node:crypto';
import { decodeManifest, encodeManifest, multipartEtag, type MultipartManifest, offsetOf, slicesOf, summaryOf } from './multipart-manifest';
import { decodeMultipartSummary, encodeMultipartSummary, systemMetaOf, versionFromInfo } from './stored-version';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const manifest: MultipartManifest = {
  uploadId: 'AbCdEfGhIjKlMnOpQrStUvWxYz012345',
  parts: [
    { partNumber: 1, timestamp: '0001700000000000.000001.a', size: 10, etag: md5('one') },
    { partNumber: 3, timestamp: '0001700000000001.000000.b', size: 5, etag: md5('three') },
    { partNumber: 4, timestamp: '0001700000000002.000000.c', size: 7, etag: md5('four') },
  ],
};

describe('multipart manifest', () => {
  it('round-trips and refuses what is not a manifest', () => {
    expect(decodeManifest(encodeManifest(manifest))).toEqual(manifest);
    const bad = [
      '{}',
      'null',
      '[]',
      JSON.stringify({ v: 1, uploadId: 'x', parts: [[1, 't', 1, md5('a')]] }),
      JSON.stringify({ v: 1, uploadId: manifest.uploadId, parts: [] }),
      JSON.stringify({ v: 1, uploadId: manifest.uploadId, parts: [[2, 't', 1, md5('a')], [1, 't', 1, md5('a')]] }),
      JSON.stringify({ v: 1, uploadId: manifest.uploadId, parts: [[1, 't', -1, md5('a')]] }),
      JSON.stringify({ v: 1, uploadId: manifest.uploadId, parts: [[1, 't', 1, 'nothex']] }),
    ];
    for (const b of bad) expect(() => decodeManifest(Buffer.from(b))).toThrow();
  });

  it("has S3's ETag: the MD5 of the parts' binary MD5s, then -N", () => {
    const expected = createHash('md5').update(Buffer.concat(['one', 'three', 'four'].map((s) => createHash('md5').update(s).digest()))).digest('hex');
    expect(multipartEtag(manifest.parts)).toBe(`${expected}-3`);
    expect(summaryOf(manifest)).toEqual({ size: 22, etag: `${expected}-3`, parts: 3 });
  });

  it('maps an object range onto slices of the parts', () => {
    expect(slicesOf(manifest, 0, 21)).toEqual([
      { index: 0, start: 0, end: 9 },
      { index: 1, start: 0, end: 4 },
      { index: 2, start: 0, end: 6 },
    ]);
    expect(slicesOf(manifest, 8, 11)).toEqual([
      { index: 0, start: 8, end: 9 },
      { index: 1, start: 0, end: 1 },
    ]);
    expect(slicesOf(manifest, 15, 15)).toEqual([{ index: 2, start: 0, end: 0 }]);
    expect(offsetOf(manifest, 2)).toBe(15);
  });

  it('keeps the summary in the backend metadata and reads it back; a malformed one is no multipart object', () => {
    const summary = summaryOf(manifest);
    expect(decodeMultipartSummary(encodeMultipartSummary(summary))).toEqual(summary);
    for (const v of ['', '1:2', 'x:1:abc-1', `1:0:${md5('a')}-0`, `1:1:${md5('a')}`]) expect(decodeMultipartSummary(v)).toBeUndefined();
    const meta = systemMetaOf({ timestamp: 't', deleted: false, option: 'o', userMeta: {}, multipart: summary });
    const version = versionFromInfo({ key: 'k', size: 40, etag: md5('m'), contentType: undefined, userMeta: {}, systemMeta: meta } as never);
    expect(version).toMatchObject({ size: 40, etag: md5('m'), multipart: summary });
  });
});
