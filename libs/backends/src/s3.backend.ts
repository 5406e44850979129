import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  type CompletedPart,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import {
  BackendConflictError,
  BackendError,
  BackendUnavailableError,
  InvalidKeyError,
  InvalidMetadataError,
  InvalidRangeError,
  ObjectNotFoundError,
  PreconditionFailedError,
} from './backend.errors';
import {
  DEFAULT_CONTENT_TYPE,
  RESERVED_KEY_PREFIX,
  assertValidKey,
  assertValidRange,
  compareKeys,
  isReservedKey,
  keyPrefix,
  normalizeListOptions,
  resolveRange,
  unlessMissing,
  type NormalizedMeta,
} from './backend-rules';
import { type BodyReader, sliceStream } from './body-reader';
import { decodeHeaderValue, encodeHeaderValue, parseContentRange } from './header-encoding';
import { mapLimited } from './map-limited';
import { putBufferedOrStreamed } from './put-opening';
import {
  ObjectBackend,
  type ByteRange,
  type CapacityInfo,
  type GetResult,
  type ListOptions,
  type ListResult,
  type ObjectMeta,
  type ProbeResult,
  type PutOptions,
  type StoredObjectInfo,
} from './object-backend';
import { runProbe } from './probe';

export interface S3BackendOptions {
  /** e.g. `http://127.0.0.1:9000`; absent for AWS itself. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Required for most non-AWS servers (MinIO, Ceph, Swift s3api, s3rver) and for a localhost endpoint. */
  forcePathStyle?: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Prepended to every key (e.g. `mcos/`), so several backends can share a bucket. Counts against S3's 1024-byte key limit. */
  prefix?: string;
  /**
   * Bodies up to this size are buffered and sent in one PutObject (with
   * Content-MD5); larger ones take the multipart path (see class doc).
   * Default 8 MiB. Memory per concurrent put: about this much, or
   * `partSize × queueSize` on the multipart path.
   */
  singlePutMaxBytes?: number;
  /** Multipart part size, ≥ 5 MiB. Default 8 MiB. */
  partSize?: number;
  /** Parts in flight per upload. Default 4. */
  queueSize?: number;
  /**
   * Send `If-None-Match: *` for create-only writes (atomic on AWS since
   * 2024, MinIO, recent Ceph). Servers that ignore it (s3rver) still get the
   * HEAD check. Servers that answer it with 501 Not Implemented (Swift's
   * s3api) get the write again without it, and not again. Set false to never
   * send it. Default true.
   */
  conditionalWrites?: boolean;
  /** Reported as `capacity().totalBytes` (S3 itself can't tell). */
  quotaBytes?: number;
  connectTimeoutMs?: number;
  /** A request whose socket stays idle this long fails. Default 60 s. */
  idleTimeoutMs?: number;
  /** SDK attempts per request (retries on throttling / 5xx). Default 3. */
  maxAttempts?: number;
  /** Largest object copied with one CopyObject; bigger ones use UploadPartCopy. Default (and S3's maximum) 5 GiB. */
  maxCopyObjectBytes?: number;
}

const MIB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MIB;
const STAGING_PREFIX = `${RESERVED_KEY_PREFIX}staging/`;
/** S3's limit on user-defined metadata: sum of UTF-8 bytes of names and values. */
const S3_META_LIMIT = 2048;
const MD5_META = 'mcos-md5';
const USER_META = 'u-';
const SYSTEM_META = 's-';
const HEAD_CONCURRENCY = 16;
const COPY_PART_BYTES = 512 * MIB;
const COPY_CONCURRENCY = 4;

/**
 * S3 and S3-compatible stores through AWS SDK v3.
 *
 * Layout: object key = `prefix + key`. Content type in Content-Type; user
 * metadata as `x-amz-meta-u-<name>`, system metadata as
 * `x-amz-meta-s-<name>`, the content MD5 as `x-amz-meta-mcos-md5` — values
 * percent-encoded (UTF-8) except printable ASCII, because header values
 * must be ASCII; S3's own 2 KiB metadata limit then applies to the encoded
 * form (checked before sending → `InvalidMetadataError`).
 *
 * put: metadata is fixed when an S3 write starts, but the MD5 is only known
 * at its end. So:
 * - bodies ≤ `singlePutMaxBytes` are buffered, hashed, and sent in one
 *   PutObject with Content-MD5 (the server verifies it) and the MD5 in
 *   metadata;
 * - larger bodies stream through `@aws-sdk/lib-storage` to a staging key
 *   `prefix + .mcos-staging/<uuid>`, then a server-side copy (CopyObject,
 *   or UploadPartCopy above 5 GiB) creates the real key with complete
 *   metadata, then the staging object is deleted. The real key appears
 *   atomically, complete; the price is a server-side copy of large objects.
 *   A crash may leave staging objects (and incomplete multipart uploads):
 *   `cleanupStaging()` removes old ones; a bucket lifecycle rule on the
 *   staging prefix and "abort incomplete multipart uploads" also does.
 * A failing body aborts the multipart upload and never reaches the real key.
 *
 * Create-only: a HEAD before reading the body (fails fast), plus
 * `If-None-Match: *` on the final PutObject / CopyObject /
 * CompleteMultipartUpload where `conditionalWrites` (atomic on servers that
 * honour it; Swift's s3api answers 501 and the driver then does without).
 * On servers that ignore or refuse the header, two concurrent create-only
 * puts can both succeed (last writer wins) — documented race.
 *
 * list: ListObjectsV2 (S3 lists in UTF-8 byte order, as the contract says)
 * plus one HEAD per returned item, 16 in flight, for the metadata that
 * listings don't carry.
 *
 * Errors: NoSuchKey/NotFound → ObjectNotFoundError; 412 →
 * PreconditionFailedError; 416 → InvalidRangeError; 409 →
 * BackendConflictError; everything else (network, timeouts, 5xx, 403,
 * NoSuchBucket) → BackendUnavailableError, with the SDK error as `cause`.
 * (A HEAD has no body, so `head` on a missing bucket is ObjectNotFoundError.)
 */
export class S3Backend extends ObjectBackend {
  readonly kind = 's3' as const;
  readonly maxKeyBytes: number;

  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly singlePutMaxBytes: number;
  private readonly partSize: number;
  private readonly queueSize: number;
  /** Turned off at the first 501 to a conditional write (see the option). */
  private conditionalWrites: boolean;
  private readonly maxCopyObjectBytes: number;

  constructor(private readonly options: S3BackendOptions) {
    super();
    if (!options.bucket) throw new TypeError('S3Backend: options.bucket is required');
    if (!options.region) throw new TypeError('S3Backend: options.region is required');
    this.bucket = options.bucket;
    ({ prefix: this.prefix, maxKeyBytes: this.maxKeyBytes } = keyPrefix(options.prefix));
    this.singlePutMaxBytes = options.singlePutMaxBytes ?? 8 * MIB;
    this.partSize = options.partSize ?? 8 * MIB;
    if (this.partSize < MIN_PART_SIZE) throw new RangeError(`S3Backend: partSize must be ≥ ${MIN_PART_SIZE}`);
    this.queueSize = options.queueSize ?? 4;
    this.conditionalWrites = options.conditionalWrites ?? true;
    this.maxCopyObjectBytes = options.maxCopyObjectBytes ?? 5 * 1024 * MIB;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: {
        accessKeyId: options.accessKeyId,
        secretAccessKey: options.secretAccessKey,
        sessionToken: options.sessionToken,
      },
      // Swift's s3api (and some others) reject aws-chunked uploads with trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 5000,
        socketTimeout: options.idleTimeoutMs ?? 60_000,
      },
    });
  }

  describe(): string {
    const where = this.options.endpoint ?? `aws:${this.options.region}`;
    return `s3:${where}/${this.bucket}/${this.prefix}`;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  async put(key: string, body: Readable, meta: ObjectMeta, opts?: PutOptions): Promise<StoredObjectInfo> {
    assertValidKey(key, this.maxKeyBytes);
    return this.write(key, body, meta, opts);
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    assertValidKey(key, this.maxKeyBytes);
    if (range) assertValidRange(range);
    return this.read(key, range);
  }

  async head(key: string): Promise<StoredObjectInfo> {
    assertValidKey(key, this.maxKeyBytes);
    return this.stat(key);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key, this.maxKeyBytes);
    await this.remove(key);
  }

  async list(opts?: ListOptions): Promise<ListResult> {
    const { prefix, marker, limit } = normalizeListOptions(opts);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const input = {
        Bucket: this.bucket,
        Prefix: this.prefix + prefix,
        ...(token ? { ContinuationToken: token } : marker ? { StartAfter: this.prefix + marker } : {}),
        MaxKeys: Math.min(1000, limit + 1 - keys.length),
      };
      const res = await this.call(prefix, () => this.client.send(new ListObjectsV2Command(input)));
      for (const o of res.Contents ?? []) {
        if (o.Key === undefined || !o.Key.startsWith(this.prefix)) continue;
        const key = o.Key.slice(this.prefix.length);
        if (!isReservedKey(key) && compareKeys(key, marker) > 0) keys.push(key);
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token && keys.length <= limit);

    const truncated = keys.length > limit;
    const page = keys.slice(0, limit);
    // undefined: deleted since the listing (skipped)
    const infos = await mapLimited(page, HEAD_CONCURRENCY, (key) => unlessMissing(this.stat(key)));
    const items = infos.filter((i): i is StoredObjectInfo => i !== undefined);
    return truncated ? { items, truncated, nextMarker: page[page.length - 1] } : { items, truncated };
  }

  async capacity(): Promise<CapacityInfo> {
    return this.options.quotaBytes !== undefined ? { totalBytes: this.options.quotaBytes } : {};
  }

  async probe(): Promise<ProbeResult> {
    return runProbe({
      write: (key, body, size) => this.write(key, body, {}, { size }),
      read: async (key) => (await this.read(key)).body,
      remove: (key) => this.remove(key),
    });
  }

  /**
   * Deletes staging objects older than `olderThanMs` (leftovers of large
   * puts interrupted by a crash). Returns how many were removed.
   */
  async cleanupStaging(olderThanMs = 24 * 60 * 60 * 1000): Promise<number> {
    let removed = 0;
    let token: string | undefined;
    do {
      const input = { Bucket: this.bucket, Prefix: this.prefix + STAGING_PREFIX, ContinuationToken: token };
      const res = await this.call(STAGING_PREFIX, () => this.client.send(new ListObjectsV2Command(input)));
      for (const o of res.Contents ?? []) {
        const stagingKey = o.Key;
        if (stagingKey && o.LastModified && Date.now() - o.LastModified.getTime() >= olderThanMs) {
          await this.call(stagingKey, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: stagingKey })));
          removed++;
        }
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return removed;
  }

  // ---------------------------------------------------------------- internals

  private async write(key: string, body: Readable, meta: ObjectMeta, opts?: PutOptions): Promise<StoredObjectInfo> {
    const s3Key = this.prefix + key;
    return putBufferedOrStreamed(key, body, meta, opts, {
      singlePutMaxBytes: this.singlePutMaxBytes,
      encodeMeta: (m) => this.assertMetaFits(m),
      exists: () => this.exists(s3Key, key),
      sendWhole: async (data, etag, { meta: m, createOnly }) => {
        const input = {
          Bucket: this.bucket,
          Key: s3Key,
          Body: data,
          ContentLength: data.length,
          ContentMD5: Buffer.from(etag, 'hex').toString('base64'),
          ContentType: m.contentType,
          Metadata: this.toS3Metadata(m, etag),
        };
        await this.finalWrite(key, createOnly, (cond) => this.client.send(new PutObjectCommand({ ...input, ...cond })));
      },
      sendInParts: (first, rest, reader, { meta: m, createOnly }) => this.writeLarge(key, s3Key, first, rest, reader, m, createOnly),
      mapError: (err) => mapS3Error(err, key),
    });
  }

  /** The multipart path: stream to a staging key, then copy into place with the now-known MD5. */
  private async writeLarge(
    key: string,
    s3Key: string,
    first: Buffer[],
    rest: AsyncGenerator<Buffer>,
    reader: BodyReader,
    m: NormalizedMeta,
    createOnly: boolean,
  ): Promise<void> {
    const staging = `${this.prefix}${STAGING_PREFIX}${randomUUID()}`;
    let bodyFailure: unknown;
    const all = async function* () {
      yield* first;
      try {
        yield* rest;
      } catch (err) {
        bodyFailure = err;
        throw err;
      }
    };
    try {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: staging, Body: Readable.from(all()), ContentType: DEFAULT_CONTENT_TYPE },
        partSize: this.partSize,
        queueSize: this.queueSize,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (err) {
        throw bodyFailure ?? err;
      }
      const etag = reader.etag();
      const size = reader.bytes;
      if (createOnly && (await this.exists(s3Key, key))) throw new PreconditionFailedError(key);
      if (size <= this.maxCopyObjectBytes) {
        const input = {
          Bucket: this.bucket,
          Key: s3Key,
          CopySource: this.copySource(staging),
          MetadataDirective: 'REPLACE' as const,
          ContentType: m.contentType,
          Metadata: this.toS3Metadata(m, etag),
        };
        await this.finalWrite(key, createOnly, (cond) => this.client.send(new CopyObjectCommand({ ...input, ...cond })));
      } else {
        await this.copyMultipart(key, staging, s3Key, size, m, etag, createOnly);
      }
    } finally {
      // Also after a failure: the upload may have got as far as creating it. If this
      // delete fails too, the leftover is invisible and cleanupStaging() removes it.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: staging })).catch(() => undefined);
    }
  }

  private async copyMultipart(
    key: string,
    source: string,
    s3Key: string,
    size: number,
    m: NormalizedMeta,
    etag: string,
    createOnly: boolean,
  ): Promise<void> {
    const create = { Bucket: this.bucket, Key: s3Key, ContentType: m.contentType, Metadata: this.toS3Metadata(m, etag) };
    const { UploadId } = await this.call(key, () => this.client.send(new CreateMultipartUploadCommand(create)));
    try {
      const partBytes = Math.max(COPY_PART_BYTES, Math.ceil(size / 10000));
      const partNumbers = Array.from({ length: Math.ceil(size / partBytes) }, (_, i) => i + 1);
      const parts = await mapLimited(partNumbers, COPY_CONCURRENCY, async (partNumber): Promise<CompletedPart> => {
        const start = (partNumber - 1) * partBytes;
        const end = Math.min(size, start + partBytes) - 1;
        const input = {
          Bucket: this.bucket,
          Key: s3Key,
          UploadId,
          PartNumber: partNumber,
          CopySource: this.copySource(source),
          CopySourceRange: `bytes=${start}-${end}`,
        };
        const res = await this.call(key, () => this.client.send(new UploadPartCopyCommand(input)));
        return { PartNumber: partNumber, ETag: res.CopyPartResult?.ETag };
      });
      const complete = {
        Bucket: this.bucket,
        Key: s3Key,
        UploadId,
        MultipartUpload: { Parts: parts },
      };
      await this.finalWrite(key, createOnly, (cond) => this.client.send(new CompleteMultipartUploadCommand({ ...complete, ...cond })));
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: s3Key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  private async read(key: string, range?: ByteRange): Promise<GetResult> {
    const input = {
      Bucket: this.bucket,
      Key: this.prefix + key,
      ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
    };
    const res = await this.call(key, () => this.client.send(new GetObjectCommand(input)));
    let body = res.Body as Readable;
    const served = parseContentRange(res.ContentRange);
    const size = served?.total ?? res.ContentLength ?? 0;
    const info = this.infoFrom(key, res, size);
    if (!range) return { info, body };
    try {
      const span = resolveRange(range, size);
      // Some servers ignore the Range (200, whole object) or serve a wider one (s3rver for "0-0"): trim.
      const from = served ?? { start: 0, end: size - 1 };
      if (from.start > span.start || from.end < span.end) {
        throw new BackendUnavailableError(`server sent bytes ${from.start}-${from.end} for range ${span.start}-${span.end}`);
      }
      if (from.start !== span.start || from.end !== span.end) {
        body = sliceStream(body, span.start - from.start, span.end - span.start + 1);
      }
      return { info, body, range: span };
    } catch (err) {
      body.destroy();
      throw err;
    }
  }

  private async stat(key: string): Promise<StoredObjectInfo> {
    const input = { Bucket: this.bucket, Key: this.prefix + key };
    const res = await this.call(key, () => this.client.send(new HeadObjectCommand(input)));
    return this.infoFrom(key, res, res.ContentLength ?? 0);
  }

  private async remove(key: string): Promise<void> {
    const input = { Bucket: this.bucket, Key: this.prefix + key };
    await this.call(key, () => this.client.send(new DeleteObjectCommand(input)));
  }

  private async exists(s3Key: string, key: string): Promise<boolean> {
    return (await unlessMissing(this.call(key, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: s3Key }))))) !== undefined;
  }

  /**
   * The write that makes the key appear, with `If-None-Match: *` when
   * create-only and `conditionalWrites`; retried once without the header if
   * the server says it does not implement it (the HEAD check before stays).
   */
  private async finalWrite(key: string, createOnly: boolean, send: (cond: { IfNoneMatch?: string }) => Promise<unknown>): Promise<void> {
    const conditional = createOnly && this.conditionalWrites;
    try {
      await this.call(key, () => send(conditional ? { IfNoneMatch: '*' } : {}));
    } catch (err) {
      // 501: the server does not do conditional writes (Swift 2.30's s3api).
      const cause = (err as { cause?: { $metadata?: { httpStatusCode?: number } } }).cause;
      if (!conditional || cause?.$metadata?.httpStatusCode !== 501) throw err;
      this.conditionalWrites = false;
      await this.call(key, () => send({}));
    }
  }

  /** Runs one SDK call, mapping its failure onto the backend errors. */
  private async call<T>(key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapS3Error(err, key);
    }
  }

  private copySource(s3Key: string): string {
    return `${this.bucket}/${s3Key.split('/').map(encodeURIComponent).join('/')}`;
  }

  private toS3Metadata(m: NormalizedMeta, etag: string): Record<string, string> {
    const out: Record<string, string> = { [MD5_META]: etag };
    for (const [k, v] of Object.entries(m.userMeta)) out[USER_META + k] = encodeHeaderValue(v);
    for (const [k, v] of Object.entries(m.systemMeta)) out[SYSTEM_META + k] = encodeHeaderValue(v);
    return out;
  }

  private assertMetaFits(m: NormalizedMeta): void {
    let total = 0;
    for (const [k, v] of Object.entries(this.toS3Metadata(m, '0'.repeat(32)))) total += k.length + v.length;
    if (total > S3_META_LIMIT) {
      throw new InvalidMetadataError(`metadata takes ${total} bytes once encoded for S3, at most ${S3_META_LIMIT} allowed`);
    }
  }

  private infoFrom(key: string, res: HeadObjectCommandOutput | GetObjectCommandOutput, size: number): StoredObjectInfo {
    const userMeta: Record<string, string> = {};
    const systemMeta: Record<string, string> = {};
    let md5: string | undefined;
    for (const [rawName, value] of Object.entries(res.Metadata ?? {})) {
      const name = rawName.toLowerCase();
      if (name === MD5_META) md5 = value;
      else if (name.startsWith(USER_META)) userMeta[name.slice(USER_META.length)] = decodeHeaderValue(value);
      else if (name.startsWith(SYSTEM_META)) systemMeta[name.slice(SYSTEM_META.length)] = decodeHeaderValue(value);
      // anything else was not written by MCOS: ignored
    }
    return {
      key,
      size,
      // Objects not written by MCOS only have the server's ETag (not an MD5 if multipart).
      etag: md5 ?? (res.ETag ?? '').replace(/"/g, '').toLowerCase(),
      lastModified: res.LastModified ?? new Date(0),
      contentType: res.ContentType ?? DEFAULT_CONTENT_TYPE,
      userMeta,
      systemMeta,
    };
  }
}

/** Maps an SDK failure onto the backend errors (see the class doc), the SDK error kept as `cause`. */
function mapS3Error(err: unknown, key: string): BackendError {
  if (err instanceof BackendError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const name = e?.name ?? '';
  const status = e?.$metadata?.httpStatusCode;
  const why = `s3 ${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(err)}`;
  if (name === 'NoSuchBucket') return new BackendUnavailableError(why, { cause: err });
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return new ObjectNotFoundError(key, { cause: err });
  if (name === 'PreconditionFailed' || status === 412) return new PreconditionFailedError(key, { cause: err });
  if (name === 'InvalidRange' || status === 416) return new InvalidRangeError(why, { cause: err });
  if (name === 'MetadataTooLarge') return new InvalidMetadataError(why, { cause: err });
  if (name === 'KeyTooLongError') return new InvalidKeyError(key, 'too long for this S3 server', { cause: err });
  if (status === 409) return new BackendConflictError(why, { cause: err });
  return new BackendUnavailableError(why, { cause: err });
}
