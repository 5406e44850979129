import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3CredentialStore } from '../auth/s3-credential-store';
import { SigV4Verifier, type VerifiedRequest } from '../auth/sigv4-verifier';
import { decodeBody, readSmallBody } from '../payload/s3-body';
import { resolveAddress, resourceOf, type S3Address } from '../request/addressing';
import { assertBucketName } from '../request/bucket-name';
import { copySourceConditionHeaders, evaluateCopySourceConditions, evaluateReadConditions, evaluateWriteConditions, readConditionHeaders } from '../request/conditional';
import { formatHttpDate } from '../request/http-date';
import { parseListParams, responseOverrides } from '../request/list-params';
import { assertObjectKey, userMetadataFromHeaders, userMetadataToHeaders } from '../request/object-key';
import { contentRange, parseRange } from '../request/range';
import { s3RequestFromHttp, type S3Request } from '../s3-request';
import { MAX_BUCKET_CONFIGURATION_XML_BYTES, MAX_DELETE_XML_BYTES, parseCreateBucketConfiguration, parseDelete } from '../xml/request-xml';
import {
  accessControlPolicyXml,
  copyObjectResultXml,
  deleteResultXml,
  listAllMyBucketsXml,
  listBucketResultV1Xml,
  listBucketResultV2Xml,
  listVersionsResultXml,
  locationConstraintXml,
  versioningConfigurationXml,
  type S3ObjectEntry,
} from '../xml/response-xml';
import { isS3Error, S3Error } from '../xml/s3-error';

/**
 * Test support: the S3 building blocks behind a plain node:http server and
 * an in-memory map, so real S3 clients (aws, s3cmd, rclone, restic, boto3,
 * the AWS SDK) can be run against them on loopback. It is not the S3 door
 * (no quorum, no MCOS store, no multipart); it shows how the blocks fit and
 * proves them against what real clients send.
 */

interface StoredObject {
  data: Buffer;
  etag: string;
  lastModified: Date;
  meta: Record<string, string>;
  contentType?: string;
}

export interface MapS3Server {
  url: string;
  /** One line per request: `METHOD key mode size`, or `ERR METHOD path code`. */
  log: string[];
  buckets: Map<string, { created: Date; objects: Map<string, StoredObject> }>;
  close(): Promise<void>;
}

const OWNER = { id: 'test-owner', displayName: 'test-owner' };
const MAX_OBJECT = 64 << 20;

export async function startMapS3Server(credentials: S3CredentialStore): Promise<MapS3Server> {
  const verifier = new SigV4Verifier({ credentials });
  const buckets: MapS3Server['buckets'] = new Map();
  const log: string[] = [];
  let requests = 0;

  async function handle(r: S3Request, address: S3Address, res: ServerResponse): Promise<void> {
    const requestId = String(++requests);
    const xml = (status: number, body: string) => res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId }).end(body);
    const who = await verifier.verify(r);
    const params = new URLSearchParams(r.query);
    const { bucket, key } = address;
    if (bucket === undefined) {
      if (r.method !== 'GET') throw new S3Error('MethodNotAllowed');
      return void xml(200, listAllMyBucketsXml(OWNER, [...buckets].map(([name, b]) => ({ name, creationDate: b.created }))));
    }
    const b = buckets.get(bucket);
    if (key === undefined) return bucketRequest(r, who, bucket, b, params, xml, res);
    if (!b) throw new S3Error('NoSuchBucket');
    assertObjectKey(key);
    const current = b.objects.get(key);
    if (r.method === 'PUT') {
      if (params.has('uploadId') || params.has('acl')) throw new S3Error('NotImplemented');
      const meta = userMetadataFromHeaders(r.headers);
      const source = r.headers['x-amz-copy-source'];
      if (source !== undefined) {
        const from = resolveAddress('/' + source.replace(/^\//, '').split('?')[0], undefined);
        const src = from.bucket !== undefined && from.key !== undefined ? buckets.get(from.bucket)?.objects.get(from.key) : undefined;
        if (!src) throw new S3Error('NoSuchKey');
        evaluateCopySourceConditions(copySourceConditionHeaders(r.headers), src);
        const replace = r.headers['x-amz-metadata-directive'] === 'REPLACE';
        const copy = { ...src, lastModified: new Date(), meta: replace ? meta : src.meta, contentType: replace ? r.headers['content-type'] : src.contentType };
        b.objects.set(key, copy);
        log.push(`COPY ${key}`);
        return void xml(200, copyObjectResultXml(copy.etag, copy.lastModified));
      }
      evaluateWriteConditions(r.headers, current);
      const decoded = decodeBody(r, who, { maxSize: MAX_OBJECT });
      const parts: Buffer[] = [];
      for await (const c of decoded.body) parts.push(c as Buffer);
      const data = Buffer.concat(parts);
      const etag = `"${createHash('md5').update(data).digest('hex')}"`;
      b.objects.set(key, { data, etag, lastModified: new Date(), meta, contentType: r.headers['content-type'] });
      const m = decoded.mode;
      log.push(`PUT ${key} ${m.kind}${m.kind === 'chunked' ? (m.signed ? '-signed' : '-unsigned') + (m.trailer ? '-trailer' : '') : ''} ${data.length}`);
      return void res.writeHead(200, { etag, 'x-amz-request-id': requestId }).end();
    }
    if (r.method === 'DELETE') {
      b.objects.delete(key);
      return void res.writeHead(204, { 'x-amz-request-id': requestId }).end();
    }
    if (r.method !== 'GET' && r.method !== 'HEAD') throw new S3Error('MethodNotAllowed');
    if (!current) throw new S3Error('NoSuchKey');
    if (params.has('acl')) return void xml(200, accessControlPolicyXml(OWNER));
    const headers: Record<string, string | number> = {
      etag: current.etag,
      'last-modified': formatHttpDate(current.lastModified),
      'content-type': current.contentType ?? 'binary/octet-stream',
      'accept-ranges': 'bytes',
      'x-amz-request-id': requestId,
      ...userMetadataToHeaders(current.meta),
      ...responseOverrides(r.query),
    };
    if (evaluateReadConditions(readConditionHeaders(r.headers), current) === 'not-modified') return void res.writeHead(304, headers).end();
    const range = parseRange(r.headers['range'], current.data.length);
    const body = range ? current.data.subarray(range.start, range.end + 1) : current.data;
    if (range) headers['content-range'] = contentRange(range, current.data.length);
    res.writeHead(range ? 206 : 200, { ...headers, 'content-length': body.length });
    res.end(r.method === 'HEAD' ? undefined : body);
  }

  async function bucketRequest(
    r: S3Request,
    who: VerifiedRequest,
    bucket: string,
    b: { created: Date; objects: Map<string, StoredObject> } | undefined,
    params: URLSearchParams,
    xml: (status: number, body: string) => void,
    res: ServerResponse,
  ): Promise<void> {
    if (r.method === 'PUT') {
      assertBucketName(bucket);
      parseCreateBucketConfiguration(await readSmallBody(decodeBody(r, who).body, MAX_BUCKET_CONFIGURATION_XML_BYTES));
      if (b) throw new S3Error('BucketAlreadyOwnedByYou');
      buckets.set(bucket, { created: new Date(), objects: new Map() });
      return void res.writeHead(200, { location: '/' + bucket }).end();
    }
    if (!b) throw new S3Error('NoSuchBucket');
    if (r.method === 'HEAD') return void res.writeHead(200).end();
    if (r.method === 'DELETE') {
      if (b.objects.size > 0) throw new S3Error('BucketNotEmpty');
      buckets.delete(bucket);
      return void res.writeHead(204).end();
    }
    if (r.method === 'POST' && params.has('delete')) {
      const d = parseDelete(await readSmallBody(decodeBody(r, who).body, MAX_DELETE_XML_BYTES));
      for (const o of d.objects) b.objects.delete(o.key);
      log.push(`DELETE-OBJECTS ${d.objects.length}`);
      return void xml(200, deleteResultXml({ deleted: d.objects, errors: [] }, d.quiet));
    }
    if (r.method !== 'GET') throw new S3Error('MethodNotAllowed');
    if (params.has('location')) return void xml(200, locationConstraintXml(undefined));
    if (params.has('versioning')) return void xml(200, versioningConfigurationXml());
    if (params.has('acl')) return void xml(200, accessControlPolicyXml(OWNER));
    if (params.has('uploads')) throw new S3Error('NotImplemented');
    const p = parseListParams(r.query);
    const versions = params.has('versions');
    const after = versions ? p.keyMarker : p.version === 2 ? (p.continuationToken ?? p.startAfter) : p.marker;
    const keys = [...b.objects.keys()].filter((k) => k.startsWith(p.prefix) && (after === undefined || k > after)).sort();
    const contents: S3ObjectEntry[] = [];
    const prefixes: string[] = [];
    let isTruncated = false;
    let last: string | undefined;
    for (const k of keys) {
      const cut = p.delimiter ? k.indexOf(p.delimiter, p.prefix.length) : -1;
      const prefix = cut >= 0 ? k.slice(0, cut + p.delimiter!.length) : undefined;
      if (prefix !== undefined && prefixes.at(-1) === prefix) {
        last = k;
        continue;
      }
      if (contents.length + prefixes.length >= p.maxKeys) {
        isTruncated = true;
        break;
      }
      if (prefix !== undefined) prefixes.push(prefix);
      else {
        const o = b.objects.get(k)!;
        contents.push({ key: k, lastModified: o.lastModified, etag: o.etag, size: o.data.length, owner: OWNER });
      }
      last = k;
    }
    const common = { bucket, prefix: p.prefix, delimiter: p.delimiter, maxKeys: p.maxKeys, encodingType: p.encodingType, isTruncated, contents, commonPrefixes: prefixes };
    if (versions) return void xml(200, listVersionsResultXml({ ...common, keyMarker: p.keyMarker, nextKeyMarker: last }));
    if (p.version === 2) return void xml(200, listBucketResultV2Xml({ ...common, continuationToken: p.continuationToken, nextContinuationToken: last, startAfter: p.startAfter, fetchOwner: p.fetchOwner }));
    return void xml(200, listBucketResultV1Xml({ ...common, marker: p.marker, nextMarker: last }));
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const r = s3RequestFromHttp(req);
    let address: S3Address = { style: 'path' };
    void (async () => {
      try {
        address = resolveAddress(r.path, r.headers.host);
        await handle(r, address, res);
      } catch (e) {
        req.resume();
        const err = isS3Error(e) ? e.withResource(resourceOf(address)) : new S3Error('InternalError', String(e));
        log.push(`ERR ${r.method} ${r.path} ${err.code}`);
        if (res.headersSent) return void res.destroy();
        res.writeHead(err.status, { 'content-type': 'application/xml' });
        res.end(r.method === 'HEAD' ? undefined : err.toXml(String(requests)));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    buckets,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
