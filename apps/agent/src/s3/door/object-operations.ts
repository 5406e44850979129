import { Inject, Injectable } from '@nestjs/common';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError, objectNameProblem } from '@mcos/common';
import { timestampDate } from '../../clock/timestamp';
import { ObjectsService, type ObjectHead } from '../../objects/objects.service';
import { objectKey } from '../../storage/object-key';
import type { ReplicaVersion } from '../../storage/replica-version';
import { percentDecode } from '../auth/uri-encoding';
import { decodeBody, readSmallBody } from '../payload/s3-body';
import { expectedChecksum } from '../payload/checksums';
import {
  copySourceConditionHeaders,
  evaluateCopySourceConditions,
  evaluateReadConditions,
  evaluateWriteConditions,
  readConditionHeaders,
  type ConditionTarget,
} from '../request/conditional';
import { formatHttpDate } from '../request/http-date';
import { assertObjectKey } from '../request/object-key';
import { contentRange, parseRange } from '../request/range';
import { responseOverrides } from '../request/list-params';
import { accessControlPolicyXml, copyObjectResultXml, deleteResultXml, quoteEtag, type DeleteOutcome } from '../xml/response-xml';
import { MAX_DELETE_XML_BYTES, parseDelete } from '../xml/request-xml';
import { S3Error } from '../xml/s3-error';
import { S3BucketOperations } from './bucket-operations';
import { objectMetadataFromHeaders, toWire, type ObjectMetadata } from './object-metadata';
import { sendEmpty, sendXml } from './s3-answer';
import { ownerOf, paramOf, type S3BucketCall, type S3ObjectCall } from './s3-call';
import { toS3Error } from './s3-error-mapping';

/** DI token of the door's limits. */
export const S3_DOOR_LIMITS = Symbol('S3DoorLimits');
export interface S3DoorLimits {
  /** Largest object accepted (the agent's maxObjectBytes). */
  maxObjectBytes: number;
  /** Longest backend key the backend takes (`o/<account>/<bucket>/<key>`): bounds the key in each bucket. */
  maxKeyBytes: number;
}

/** DeleteObjects deletes this many keys at a time. */
const DELETE_CONCURRENCY = 16;

/**
 * A key S3 accepts and the store can hold, or a 4xx: S3's 1024 bytes, the
 * store's name rules, and the backend's key limit, which the account and
 * bucket names share with the key (KeyTooLongError says how much is left).
 */
export function assertStorableKey(key: string, where?: { account: string; bucket: string; maxKeyBytes: number }): void {
  assertObjectKey(key);
  const problem = objectNameProblem(key);
  if (problem) throw new S3Error('InvalidArgument', `This store cannot hold that key: it ${problem}.`, undefined, { ArgumentName: 'key' });
  if (where) {
    const bytes = Buffer.byteLength(objectKey({ account: where.account, container: where.bucket, name: key }), 'utf8');
    if (bytes > where.maxKeyBytes) {
      const room = where.maxKeyBytes - (bytes - Buffer.byteLength(key, 'utf8'));
      throw new S3Error('KeyTooLongError', `Your key is too long: at most ${room} bytes in this bucket.`, undefined, { MaxSizeAllowed: String(room), Size: String(Buffer.byteLength(key, 'utf8')) });
    }
  }
}

/** GetObject/HeadObject/DeleteObject accept only the `null` version (versioning is never enabled). */
function assertNullVersion(versionId: string | undefined): void {
  if (versionId !== undefined && versionId !== 'null') throw new S3Error('NoSuchVersion', undefined, undefined, { VersionId: versionId.slice(0, 128) });
}

function conditionTarget(v: ReplicaVersion): ConditionTarget {
  return { etag: v.etag, lastModified: timestampDate(v.timestamp) };
}

/** The headers describing a stored version on GET and HEAD. */
export function objectHeaders(v: ReplicaVersion): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = {
    etag: quoteEtag(v.etag),
    'last-modified': formatHttpDate(timestampDate(v.timestamp)),
    'content-type': v.contentType ?? 'binary/octet-stream',
    'accept-ranges': 'bytes',
  };
  if (v.objectHeaders) for (const [k, value] of Object.entries(v.objectHeaders)) h[k] = toWire(value);
  for (const [k, value] of Object.entries(v.userMeta)) h[`x-amz-meta-${k}`] = toWire(value);
  return h;
}

/** `x-amz-copy-source`: `[/]bucket/key[?versionId=…]`, bucket and key %-encoded. */
export function parseCopySource(value: string): { bucket: string; key: string; versionId?: string } {
  const bad = () => new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', undefined, { ArgumentName: 'x-amz-copy-source' });
  let raw = value.trim();
  let versionId: string | undefined;
  const q = raw.indexOf('?');
  if (q >= 0) {
    const query = raw.slice(q + 1);
    raw = raw.slice(0, q);
    if (!query.startsWith('versionId=')) throw bad();
    versionId = query.slice('versionId='.length);
  }
  if (raw.startsWith('/')) raw = raw.slice(1);
  const slash = raw.indexOf('/');
  if (slash <= 0 || slash === raw.length - 1) throw bad();
  const decode = (s: string) => {
    const bytes = percentDecode(s, false);
    const text = bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(bytes)) throw bad();
    return text;
  };
  return { bucket: decode(raw.slice(0, slash)), key: decode(raw.slice(slash + 1)), versionId };
}

/** The object-level operations, over ObjectsService exactly as /v1 uses it. */
@Injectable()
export class S3ObjectOperations {
  constructor(
    private readonly objects: ObjectsService,
    private readonly buckets: S3BucketOperations,
    @Inject(S3_DOOR_LIMITS) private readonly limits: S3DoorLimits,
  ) {}

  async putObject(call: S3ObjectCall): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key, { account: call.account, bucket, maxKeyBytes: this.limits.maxKeyBytes });
    const headers = call.req.headers;
    const meta = objectMetadataFromHeaders(headers);
    const { body, size } = decodeBody(call.req, call.verified, { maxSize: this.limits.maxObjectBytes });
    if (headers['if-match'] !== undefined || headers['if-none-match'] !== undefined) {
      evaluateWriteConditions(headers, await this.currentOf(call, bucket, key));
    }
    const answer = await this.store(call, bucket, key, body, size, meta, headers['if-none-match'] !== undefined);
    const out: OutgoingHttpHeaders = { etag: quoteEtag(answer.etag) };
    const checksum = expectedChecksum(headers);
    if (checksum?.value !== undefined) out[`x-amz-checksum-${checksum.algorithm}`] = checksum.value;
    sendEmpty(call.res, 200, out);
  }

  async getObject(call: S3ObjectCall): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key);
    assertNullVersion(paramOf(call.params, 'versionId'));
    const headers = call.req.headers;
    const overrides = responseOverrides(call.req.query);
    const conditions = readConditionHeaders(headers);
    const conditional = conditions.ifMatch !== undefined || conditions.ifNoneMatch !== undefined || conditions.ifModifiedSince !== undefined || conditions.ifUnmodifiedSince !== undefined;
    const address = { account: call.account, container: bucket, name: key };

    if (headers.range !== undefined) {
      // The range is read against the size, so the version is known first.
      const head = await this.headOf(call, bucket, key);
      if (conditional && evaluateReadConditions(conditions, conditionTarget(head.version)) === 'not-modified') return this.notModified(call, head.version);
      const range = parseRange(headers.range, head.version.size);
      if (range) {
        const read = await this.objects.get({ ...address, range: { start: range.start, end: range.end } }).catch((err: unknown) => this.rethrow(call, bucket, err));
        const served = read.range ?? { start: 0, end: read.version.size - 1 };
        call.res.writeHead(206, {
          ...objectHeaders(read.version),
          ...overrides,
          'content-range': contentRange(served, read.version.size),
          'content-length': served.end - served.start + 1,
        });
        await pipeline(read.body, call.res).catch(() => call.res.destroy());
        return;
      }
    }
    const read = await this.objects.get(address).catch((err: unknown) => this.rethrow(call, bucket, err));
    if (conditional) {
      let outcome: 'proceed' | 'not-modified';
      try {
        outcome = evaluateReadConditions(conditions, conditionTarget(read.version));
      } catch (err) {
        read.body.destroy();
        throw err;
      }
      if (outcome === 'not-modified') {
        read.body.destroy();
        return this.notModified(call, read.version);
      }
    }
    call.res.writeHead(200, { ...objectHeaders(read.version), ...overrides, 'content-length': read.version.size });
    await pipeline(read.body, call.res).catch(() => call.res.destroy());
  }

  async headObject(call: S3ObjectCall): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key);
    assertNullVersion(paramOf(call.params, 'versionId'));
    const head = await this.headOf(call, bucket, key);
    const v = head.version;
    if (evaluateReadConditions(readConditionHeaders(call.req.headers), conditionTarget(v)) === 'not-modified') return this.notModified(call, v);
    const overrides = responseOverrides(call.req.query);
    const range = parseRange(call.req.headers.range, v.size);
    if (range) {
      sendEmpty(call.res, 206, { ...objectHeaders(v), ...overrides, 'content-range': contentRange(range, v.size), 'content-length': range.end - range.start + 1 });
      return;
    }
    sendEmpty(call.res, 200, { ...objectHeaders(v), ...overrides, 'content-length': v.size });
  }

  /** 204 whether or not the key existed, as S3 answers; a missing bucket is still NoSuchBucket. */
  async deleteObject(call: S3ObjectCall): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key);
    assertNullVersion(paramOf(call.params, 'versionId'));
    try {
      await this.objects.delete({ account: call.account, container: bucket, name: key });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      await this.buckets.bucketOf(call);
    }
    sendEmpty(call.res, 204);
  }

  /** DeleteObjects: up to 1000 keys, each answered on its own; a missing key counts as deleted. */
  async deleteObjects(call: S3BucketCall): Promise<void> {
    const { body } = decodeBody(call.req, call.verified, { maxSize: MAX_DELETE_XML_BYTES });
    const request = parseDelete(await readSmallBody(body, MAX_DELETE_XML_BYTES));
    const bucket = await this.buckets.bucketOf(call);
    const outcome: { deleted: DeleteOutcome['deleted'][number][]; errors: DeleteOutcome['errors'][number][] } = { deleted: [], errors: [] };
    const results: ({ ok: true; key: string; versionId?: string } | { ok: false; key: string; versionId?: string; code: string; message: string })[] = new Array(request.objects.length);
    let next = 0;
    const worker = async () => {
      while (next < request.objects.length) {
        const i = next++;
        const { key, versionId } = request.objects[i];
        results[i] = await this.deleteOne(call, bucket.name, key, versionId);
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, request.objects.length) }, worker));
    for (const r of results) {
      if (r.ok) outcome.deleted.push({ key: r.key, versionId: r.versionId });
      else outcome.errors.push({ key: r.key, versionId: r.versionId, code: r.code, message: r.message });
    }
    sendXml(call.res, 200, deleteResultXml(outcome, request.quiet));
  }

  /**
   * CopyObject: the source is read and streamed into the destination here,
   * agent to agents, never through the client. COPY keeps the source's
   * metadata, REPLACE takes the request's; a copy onto itself must REPLACE.
   */
  async copyObject(call: S3ObjectCall): Promise<void> {
    const { bucket, key } = call.address;
    assertStorableKey(key, { account: call.account, bucket, maxKeyBytes: this.limits.maxKeyBytes });
    const headers = call.req.headers;
    const source = parseCopySource(headers['x-amz-copy-source']!);
    assertNullVersion(source.versionId);
    assertStorableKey(source.key);
    const directive = (headers['x-amz-metadata-directive'] ?? 'COPY').trim().toUpperCase();
    if (directive !== 'COPY' && directive !== 'REPLACE') {
      throw new S3Error('InvalidArgument', 'Unknown metadata directive.', undefined, { ArgumentName: 'x-amz-metadata-directive' });
    }
    if (source.bucket === bucket && source.key === key && directive === 'COPY') {
      throw new S3Error(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    const replaced = directive === 'REPLACE' ? objectMetadataFromHeaders(headers) : undefined;
    // The copy request's own body is empty; drain whatever came.
    call.req.body.resume();
    if (headers['if-match'] !== undefined || headers['if-none-match'] !== undefined) {
      evaluateWriteConditions(headers, await this.currentOf(call, bucket, key));
    }
    const srcCall = { ...call, address: { ...call.address, bucket: source.bucket, key: source.key } };
    const read = await this.objects.get({ account: call.account, container: source.bucket, name: source.key }).catch((err: unknown) => this.rethrow(srcCall, source.bucket, err));
    try {
      evaluateCopySourceConditions(copySourceConditionHeaders(headers), conditionTarget(read.version));
      if (read.version.size > this.limits.maxObjectBytes) throw new S3Error('EntityTooLarge');
    } catch (err) {
      read.body.destroy();
      throw err;
    }
    const meta: ObjectMetadata = replaced ?? {
      contentType: read.version.contentType,
      userMetadata: read.version.userMeta,
      objectHeaders: read.version.objectHeaders ?? {},
    };
    const answer = await this.store(call, bucket, key, read.body, read.version.size, meta, headers['if-none-match'] !== undefined);
    sendXml(call.res, 200, copyObjectResultXml(answer.etag, timestampDate(answer.timestamp)));
  }

  async getObjectAcl(call: S3ObjectCall): Promise<void> {
    assertStorableKey(call.address.key);
    await this.headOf(call, call.address.bucket, call.address.key);
    sendXml(call.res, 200, accessControlPolicyXml(ownerOf(call.account)));
  }

  private async store(call: S3ObjectCall, bucket: string, key: string, body: Readable, size: number | undefined, meta: ObjectMetadata, createOnly: boolean) {
    return this.objects
      .put({
        account: call.account,
        container: bucket,
        name: key,
        body,
        contentLength: size,
        contentType: meta.contentType,
        userMetadata: meta.userMetadata,
        objectHeaders: meta.objectHeaders,
        ifNoneMatch: createOnly && call.req.headers['if-none-match']?.trim() === '*' ? '*' : undefined,
      })
      .catch((err: unknown) => this.rethrow(call, bucket, err));
  }

  private async deleteOne(call: S3BucketCall, bucket: string, key: string, versionId: string | undefined) {
    try {
      assertStorableKey(key);
      assertNullVersion(versionId);
      await this.objects.delete({ account: call.account, container: bucket, name: key });
      return { ok: true as const, key, versionId };
    } catch (err) {
      if (err instanceof NotFoundError) return { ok: true as const, key, versionId };
      const s3 = toS3Error(err);
      return { ok: false as const, key, versionId, code: s3?.code ?? 'InternalError', message: s3?.message ?? 'We encountered an internal error. Please try again.' };
    }
  }

  /** The current version, or undefined when there is none (for conditional writes). */
  private async currentOf(call: S3ObjectCall, bucket: string, key: string): Promise<ConditionTarget | undefined> {
    try {
      return conditionTarget((await this.objects.head({ account: call.account, container: bucket, name: key })).version);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      await this.buckets.bucketOf(call);
      return undefined;
    }
  }

  private async headOf(call: S3ObjectCall, bucket: string, key: string): Promise<ObjectHead> {
    return this.objects.head({ account: call.account, container: bucket, name: key }).catch((err: unknown) => this.rethrow(call, bucket, err));
  }

  /** A NotFoundError is NoSuchKey when the bucket exists, NoSuchBucket otherwise. */
  private async rethrow(call: S3ObjectCall, bucket: string, err: unknown): Promise<never> {
    if (err instanceof NotFoundError) {
      await this.buckets.bucketOf({ ...call, address: { ...call.address, bucket } });
      throw new S3Error('NoSuchKey', undefined, undefined, { Key: call.address.key.slice(0, 1024) });
    }
    throw err;
  }

  private notModified(call: S3ObjectCall, v: ReplicaVersion): void {
    sendEmpty(call.res, 304, { etag: quoteEtag(v.etag), 'last-modified': formatHttpDate(timestampDate(v.timestamp)) });
  }
}

