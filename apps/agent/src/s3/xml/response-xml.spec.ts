import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { Readable } from 'node:stream';
import { S3Error, S3_ERRORS } from './s3-error';
import {
  accessControlPolicyXml,
  copyObjectResultXml,
  deleteResultXml,
  listAllMyBucketsXml,
  listBucketResultV1Xml,
  listBucketResultV2Xml,
  listVersionsResultXml,
  locationConstraintXml,
  quoteEtag,
  versioningConfigurationXml,
  type S3ObjectEntry,
} from './response-xml';
import { escapeXml, S3_XMLNS } from './xml-writer';

const owner = { id: 'alice-id', displayName: 'alice' };
const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
const entry = (key: string, size = 3): S3ObjectEntry => ({ key, lastModified: when, etag: 'd41d8cd98f00b204e9800998ecf8427e', size, owner });

/** An S3 client whose every request is answered with the given status and XML, as a server would. */
function clientAnswering(status: number, xml: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9000',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: {
      handle: async () => ({
        response: { statusCode: status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'req-1' }, body: Readable.from([Buffer.from(xml)]) },
      }),
    } as never,
  });
}

const plain = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (n) => ['Contents', 'CommonPrefixes', 'Bucket', 'Deleted', 'Error', 'Version'].includes(n) });

describe('S3 answers read back by the AWS SDK', () => {
  it('ListBuckets', async () => {
    const xml = listAllMyBucketsXml(owner, [{ name: 'a-bucket', creationDate: when }, { name: 'b.bucket', creationDate: when }]);
    const out = await clientAnswering(200, xml).send(new ListBucketsCommand({}));
    expect(out.Buckets?.map((b) => [b.Name, b.CreationDate?.getTime()])).toEqual([['a-bucket', when.getTime()], ['b.bucket', when.getTime()]]);
    expect(out.Owner).toEqual({ ID: 'alice-id', DisplayName: 'alice' });
  });

  it('ListObjectsV2 with common prefixes, truncation and odd keys', async () => {
    const keys = ['a&b<c>"d\'', 'spaces and + plus', 'ü/€'];
    const xml = listBucketResultV2Xml({
      bucket: 'b', prefix: '', delimiter: '/', maxKeys: 3, isTruncated: true, nextContinuationToken: 'tok/en+==',
      contents: keys.map((k) => entry(k)), commonPrefixes: ['dir/'], fetchOwner: true,
    });
    const out = await clientAnswering(200, xml).send(new ListObjectsV2Command({ Bucket: 'b' }));
    expect(out.Contents?.map((c) => c.Key)).toEqual(keys);
    expect(out.Contents?.[0]).toMatchObject({ ETag: '"d41d8cd98f00b204e9800998ecf8427e"', Size: 3, StorageClass: 'STANDARD', Owner: { ID: 'alice-id' } });
    expect(out.Contents?.[0].LastModified?.getTime()).toBe(when.getTime());
    expect(out.CommonPrefixes).toEqual([{ Prefix: 'dir/' }]);
    expect([out.KeyCount, out.IsTruncated, out.NextContinuationToken, out.Delimiter]).toEqual([4, true, 'tok/en+==', '/']);
  });

  it('ListObjects (V1) sends NextMarker whenever truncated', async () => {
    const xml = listBucketResultV1Xml({ bucket: 'b', maxKeys: 1, isTruncated: true, nextMarker: 'k1', contents: [entry('k1')], commonPrefixes: [] });
    const out = await clientAnswering(200, xml).send(new ListObjectsCommand({ Bucket: 'b' }));
    expect([out.IsTruncated, out.NextMarker, out.Contents?.[0].Key, out.Marker]).toEqual([true, 'k1', 'k1', '']);
  });

  it('ListObjectVersions answers version null', async () => {
    const xml = listVersionsResultXml({ bucket: 'b', maxKeys: 1000, isTruncated: false, contents: [entry('k')], commonPrefixes: [] });
    const out = await clientAnswering(200, xml).send(new ListObjectVersionsCommand({ Bucket: 'b' }));
    expect(out.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([['k', 'null', true]]);
  });

  it('DeleteObjects, CopyObject, GetBucketLocation, GetBucketVersioning, GetBucketAcl', async () => {
    const del = await clientAnswering(200, deleteResultXml({ deleted: [{ key: 'a' }], errors: [{ key: 'b', code: 'AccessDenied', message: 'Access Denied' }] }, false)).send(
      new DeleteObjectsCommand({ Bucket: 'b', Delete: { Objects: [{ Key: 'a' }, { Key: 'b' }] } }),
    );
    expect(del.Deleted).toEqual([{ Key: 'a' }]);
    expect(del.Errors).toEqual([{ Key: 'b', Code: 'AccessDenied', Message: 'Access Denied' }]);

    const copy = await clientAnswering(200, copyObjectResultXml('abc', when)).send(new CopyObjectCommand({ Bucket: 'b', Key: 'k', CopySource: 'b/j' }));
    expect(copy.CopyObjectResult).toMatchObject({ ETag: '"abc"' });

    expect((await clientAnswering(200, locationConstraintXml('eu-west-1')).send(new GetBucketLocationCommand({ Bucket: 'b' }))).LocationConstraint).toBe('eu-west-1');
    expect((await clientAnswering(200, locationConstraintXml(undefined)).send(new GetBucketLocationCommand({ Bucket: 'b' }))).LocationConstraint).toBeUndefined();
    expect((await clientAnswering(200, versioningConfigurationXml()).send(new GetBucketVersioningCommand({ Bucket: 'b' }))).Status).toBeUndefined();

    const acl = await clientAnswering(200, accessControlPolicyXml(owner)).send(new GetBucketAclCommand({ Bucket: 'b' }));
    expect(acl.Owner).toEqual({ ID: 'alice-id', DisplayName: 'alice' });
    expect(acl.Grants).toEqual([{ Grantee: { Type: 'CanonicalUser', ID: 'alice-id', DisplayName: 'alice' }, Permission: 'FULL_CONTROL' }]);
  });

  it.each(Object.keys(S3_ERRORS).filter((c) => c !== 'InternalError'))('error %s reaches the SDK with its code and message', async (code) => {
    const err = new S3Error(code as keyof typeof S3_ERRORS, undefined, '/b/k');
    const e = await clientAnswering(err.status, err.toXml('req-1'))
      .send(new ListObjectsV2Command({ Bucket: 'b' }))
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(S3ServiceException);
    expect((e as S3ServiceException).name).toBe(code);
    expect((e as S3ServiceException).message).toBe(err.message);
    expect((e as S3ServiceException).$metadata.httpStatusCode).toBe(err.status);
  });
});

describe('S3 XML shape', () => {
  it('puts the namespace on the root element only', () => {
    const xml = listBucketResultV2Xml({ bucket: 'b', maxKeys: 1000, isTruncated: false, contents: [entry('k')], commonPrefixes: ['p/'] });
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="' + S3_XMLNS + '">')).toBe(true);
    expect(xml.match(/xmlns=/g)).toHaveLength(1);
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it('errors: Code, Message, Resource, RequestId, no namespace, details escaped', () => {
    const xml = new S3Error('SignatureDoesNotMatch', undefined, '/b/k&<', { StringToSign: 'a\nb<c>' }).toXml('id-1');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toContain('xmlns');
    const e = plain.parse(xml).Error[0];
    expect(e).toMatchObject({ Code: 'SignatureDoesNotMatch', Resource: '/b/k&<', RequestId: 'id-1', StringToSign: 'a\nb<c>' });
    expect(new S3Error('NoSuchKey').status).toBe(404);
    expect(new S3Error('InvalidRange').status).toBe(416);
    expect(new S3Error('NotImplemented').status).toBe(501);
    expect(new S3Error('PreconditionFailed').withResource('/x').resource).toBe('/x');
  });

  it('encoding-type=url encodes keys, prefixes, markers and delimiters, echoes EncodingType, and leaves tokens alone', () => {
    const keys = ['a b', 'c+d', 'e%f', 'ü/€', 'x&y', '\u0001ctl'];
    const v2 = plain.parse(
      listBucketResultV2Xml({
        bucket: 'b', prefix: 'p q', delimiter: ' ', maxKeys: 6, encodingType: 'url', isTruncated: true, continuationToken: 'a+b', nextContinuationToken: 'c d', startAfter: 's t',
        contents: keys.map((k) => entry(k)), commonPrefixes: ['p q/r s '],
      }),
    ).ListBucketResult;
    expect(v2.EncodingType).toBe('url');
    // Both decoders clients use (unquote and unquote_plus) give the keys back.
    const unquotePlus = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    expect(v2.Contents.map((c: { Key: string }) => decodeURIComponent(c.Key))).toEqual(keys);
    expect(v2.Contents.map((c: { Key: string }) => unquotePlus(c.Key))).toEqual(keys);
    expect([v2.Prefix, v2.Delimiter, v2.StartAfter, v2.CommonPrefixes[0].Prefix]).toEqual(['p%20q', '%20', 's%20t', 'p%20q/r%20s%20']);
    expect([v2.ContinuationToken, v2.NextContinuationToken]).toEqual(['a+b', 'c d']);

    const v1 = plain.parse(listBucketResultV1Xml({ bucket: 'b', marker: 'm n', nextMarker: 'o p', maxKeys: 1, encodingType: 'url', isTruncated: true, contents: [], commonPrefixes: [] })).ListBucketResult;
    expect([v1.Marker, v1.NextMarker, v1.EncodingType]).toEqual(['m%20n', 'o%20p', 'url']);
  });

  it('an empty delimiter is no delimiter; no NextContinuationToken when not truncated', () => {
    const r = plain.parse(listBucketResultV2Xml({ bucket: 'b', delimiter: '', maxKeys: 1000, isTruncated: false, nextContinuationToken: 'x', contents: [], commonPrefixes: [] })).ListBucketResult;
    expect(r.Delimiter).toBeUndefined();
    expect(r.NextContinuationToken).toBeUndefined();
    expect(r.KeyCount).toBe('0');
  });

  it('Quiet DeleteResult lists only the errors', () => {
    const r = plain.parse(deleteResultXml({ deleted: [{ key: 'a', versionId: 'null' }], errors: [{ key: 'b', code: 'InternalError', message: 'x' }] }, true)).DeleteResult;
    expect(r.Deleted).toBeUndefined();
    expect(r.Error).toEqual([{ Key: 'b', Code: 'InternalError', Message: 'x' }]);
  });

  it('quotes ETags once', () => {
    expect(quoteEtag('abc')).toBe('"abc"');
    expect(quoteEtag('"abc"')).toBe('"abc"');
  });

  it('any key, however odd, makes well-formed XML that gives the key back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (key) => {
        const xml = listBucketResultV1Xml({ bucket: 'b', maxKeys: 1, isTruncated: false, contents: [entry(key)], commonPrefixes: [] });
        if (XMLValidator.validate(xml) !== true) return false;
        const urlXml = listBucketResultV1Xml({ bucket: 'b', maxKeys: 1, encodingType: 'url', isTruncated: false, contents: [entry(key)], commonPrefixes: [] });
        const encoded: string = plain.parse(urlXml).ListBucketResult.Contents[0].Key;
        // Lone surrogates cannot survive UTF-8; everything else must round-trip.
        return decodeURIComponent(encoded) === Buffer.from(key, 'utf8').toString('utf8');
      }),
      { numRuns: 300 },
    );
    expect(escapeXml('a\u0000b\u001fc\ud800')).toBe('a&#x0;b&#x1F;c&#xD800;');
  });
});
