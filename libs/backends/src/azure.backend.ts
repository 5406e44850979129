import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

import {
  BlobServiceClient,
  RestError,
  StorageSharedKeyCredential,
  type BlobGetPropertiesResponse,
  type BlobItem,
  type BlockBlobClient,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';

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
import { putBufferedOrStreamed } from './put-opening';

export interface AzureBackendOptions {
  /** A storage connection string (account key or SAS). Alternative to `accountName` + `accountKey`. */
  connectionString?: string;
  accountName?: string;
  accountKey?: string;
  /**
   * Blob service URL; default `https://<accountName>.blob.core.windows.net`.
   * Azurite: `http://127.0.0.1:10000/devstoreaccount1`.
   */
  endpoint?: string;
  /** The container holding the blobs; it must exist. */
  container: string;
  /** Prepended to every key (e.g. `agent-a/`), so several backends can share a container. */
  prefix?: string;
  /** Bodies up to this size are buffered and sent in one Put Blob. Default 8 MiB. */
  singlePutMaxBytes?: number;
  /** Block size of larger bodies (Put Block + Put Block List), 1 MiB..4000 MiB. Default 8 MiB. */
  blockSize?: number;
  /** Blocks in flight per upload. Default 4 (memory per upload: about blockSize × (this + 1)). */
  concurrency?: number;
  /** Reported as `capacity().totalBytes` (Azure can't tell cheaply). */
  quotaBytes?: number;
  /** SDK attempts per request (retries on throttling / 5xx / network). Default 3. */
  maxTries?: number;
  /** First retry delay (exponential after). Default 200 ms. */
  retryDelayMs?: number;
}

const MIB = 1024 * 1024;
/** Azure's blob name limit, in characters (UTF-16 code units, as Azurite checks it). */
const AZURE_NAME_MAX = 1024;
/** Azure's limit on all metadata names and values of a blob. */
const AZURE_META_MAX = 8 * 1024;
const MAX_BLOCKS = 50_000;
const MD5_META = 'mcos_md5';
const USER_META = 'u_';
const SYSTEM_META = 's_';
/** An empty metadata value is dropped by Azure; `%` alone never comes out of the value encoding. */
const EMPTY_VALUE = '%';
const LIST_PAGE_MAX = 5000;
const MARKER_CACHE_SIZE = 1000;

/**
 * Azure Blob Storage (block blobs) through `@azure/storage-blob`.
 *
 * Names: blob name = encode(prefix + key). The Blob service and its SDK
 * treat some names specially: the SDK sends names through URL parsing, which
 * drops `.` and `..` segments, and `\` becomes `/`; Azure also advises
 * against names whose segments end with a dot. So `[` → `[0`, `\` → `[1`,
 * and each dot of a segment-final run of dots → `[2`; everything else is
 * kept (so the names stay readable in Azure tools). The first two keep the
 * UTF-8 byte order of keys exactly; escaped dots can only move keys with
 * segment-final dots relative to their neighbours (the agent's names have
 * none: no `.`/`..` segments). Keys whose encoded name exceeds Azure's
 * 1024 characters are refused (InvalidKeyError).
 *
 * Metadata: Azure metadata names must be C# identifiers and values ASCII:
 * user metadata as `u_<name>` and system metadata as `s_<name>` (`-` → `_`,
 * which MCOS names never contain, so it is reversible), values
 * percent-encoded (UTF-8) except printable ASCII, an empty value as `%`
 * (Azure drops empty ones). The whole-object MD5 is kept in `mcos_md5` (and
 * as the blob's Content-MD5): Azure only computes it for single-shot
 * uploads.
 *
 * put: bodies ≤ `singlePutMaxBytes` are buffered and sent in one Put Blob
 * with metadata and MD5. Larger ones are staged as uncommitted blocks
 * (`blockSize`, `concurrency` in flight, each verified by the service
 * against its transactional MD5), then one Put Block List commits them with
 * the metadata and the now-known MD5: the blob appears whole at the commit,
 * never partially. (This is `uploadStream`'s own method, done here because
 * uploadStream fixes the metadata before the MD5 is known.) A failed body
 * never commits; Azure discards uncommitted blocks after a week. Two
 * concurrent large puts of one key: the first commit discards the other's
 * blocks, whose commit then fails with BackendConflictError.
 *
 * Create-only: a HEAD before reading the body, and `If-None-Match: *` on the
 * Put Blob / Put Block List (atomic).
 *
 * list: Azure lists in its own name order (Azure documents "alphabetical";
 * Azurite compares UTF-16 code units, which differs from UTF-8 byte order
 * only between U+E000..U+FFFF and characters above U+FFFF): each page is
 * sorted in key order, so only keys of that kind spread over several pages
 * can come out of order. Azure's continuation token is opaque, so a key
 * marker is honoured by remembering, for the `nextMarker` of each page this
 * driver returned, the service's token that continues right after it; a
 * marker never seen (another process, or evicted from the last 1000)
 * costs one scan from the prefix's first blob.
 *
 * Errors: BlobNotFound → ObjectNotFoundError; BlobAlreadyExists / 412 →
 * PreconditionFailedError; 416 → InvalidRangeError; InvalidBlockList and
 * other 409s → BackendConflictError; everything else (network, 5xx, auth,
 * ContainerNotFound) → BackendUnavailableError; the SDK error is `cause`.
 */
export class AzureBackend extends ObjectBackend {
  readonly kind = 'azure' as const;
  readonly maxKeyBytes: number;

  private readonly service: BlobServiceClient;
  private readonly containerClient: ContainerClient;
  private readonly prefix: string;
  private readonly singlePutMaxBytes: number;
  private readonly blockSize: number;
  private readonly concurrency: number;
  /** `prefix \0 nextMarker` → the service's continuation token right after that key. */
  private readonly markers = new Map<string, string>();

  constructor(private readonly options: AzureBackendOptions) {
    super();
    if (!options.container) throw new TypeError('AzureBackend: options.container is required');
    const pipeline: StoragePipelineOptions = {
      retryOptions: { maxTries: options.maxTries ?? 3, retryDelayInMs: options.retryDelayMs ?? 200, maxRetryDelayInMs: 5_000 },
      keepAliveOptions: { enable: true },
    };
    if (options.connectionString) {
      this.service = BlobServiceClient.fromConnectionString(options.connectionString, pipeline);
    } else {
      if (!options.accountName || !options.accountKey) throw new TypeError('AzureBackend: connectionString, or accountName and accountKey, are required');
      const url = options.endpoint ?? `https://${options.accountName}.blob.core.windows.net`;
      this.service = new BlobServiceClient(url, new StorageSharedKeyCredential(options.accountName, options.accountKey), pipeline);
    }
    this.containerClient = this.service.getContainerClient(options.container);
    ({ prefix: this.prefix, maxKeyBytes: this.maxKeyBytes } = keyPrefix(options.prefix));
    this.singlePutMaxBytes = options.singlePutMaxBytes ?? 8 * MIB;
    this.blockSize = options.blockSize ?? 8 * MIB;
    if (this.blockSize < MIB || this.blockSize > 4000 * MIB) throw new RangeError('AzureBackend: blockSize must be within 1 MiB..4000 MiB');
    this.concurrency = options.concurrency ?? 4;
  }

  describe(): string {
    const url = new URL(this.containerClient.url);
    return `azure:${url.origin}${url.pathname}/${this.prefix}`;
  }

  async close(): Promise<void> {
    this.markers.clear();
  }

  async put(key: string, body: Readable, meta: ObjectMeta, opts?: PutOptions): Promise<StoredObjectInfo> {
    assertValidKey(key, this.maxKeyBytes);
    return this.write(key, this.blobFor(key), body, meta, opts);
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    assertValidKey(key, this.maxKeyBytes);
    if (range) assertValidRange(range);
    return this.read(key, this.blobFor(key), range);
  }

  async head(key: string): Promise<StoredObjectInfo> {
    assertValidKey(key, this.maxKeyBytes);
    const blob = this.blobFor(key);
    const props = await this.call(key, () => blob.getProperties());
    return infoFrom(key, props, props.contentLength ?? 0);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key, this.maxKeyBytes);
    const blob = this.blobFor(key);
    await this.call(key, () => blob.deleteIfExists({ deleteSnapshots: 'include' }));
  }

  async list(opts?: ListOptions): Promise<ListResult> {
    const { prefix, marker, limit } = normalizeListOptions(opts);
    const queryPrefix = encodeListPrefix(this.prefix + prefix);
    const accept = (b: BlobItem): string | undefined => {
      const full = decodeName(b.name);
      if (full === undefined || !full.startsWith(this.prefix)) return undefined; // not written by MCOS
      const key = full.slice(this.prefix.length);
      return key.startsWith(prefix) && !isReservedKey(key) && compareKeys(key, marker) > 0 ? key : undefined;
    };
    const cached = marker ? this.markers.get(`${prefix}\u0000${marker}`) : undefined;
    let scanning = marker !== '' && cached === undefined;
    let token = cached;
    const items: StoredObjectInfo[] = [];
    for (;;) {
      const want = limit - items.length;
      const page = await this.listPage(token, queryPrefix, scanning ? LIST_PAGE_MAX : Math.min(LIST_PAGE_MAX, want));
      const accepted: { key: string; item: BlobItem; index: number }[] = [];
      page.items.forEach((item, index) => {
        const key = accept(item);
        if (key !== undefined) accepted.push({ key, item, index });
      });
      if (scanning && accepted.length > want) {
        // Found the marker's place in the middle of a big page: fetch that page again, cut right
        // after the last blob taken, so that the service's token continues exactly there.
        const cut = await this.listPage(token, queryPrefix, accepted[want - 1].index + 1);
        items.push(...accepted.slice(0, want).map((a) => itemInfo(a.key, a.item)));
        token = cut.next ?? page.next;
        break;
      }
      if (accepted.length > 0) scanning = false;
      items.push(...accepted.map((a) => itemInfo(a.key, a.item)));
      token = page.next;
      if (!token || items.length >= limit) break;
    }
    items.sort((a, b) => compareKeys(a.key, b.key));
    if (!token || items.length === 0) return { items, truncated: false };
    const nextMarker = items[items.length - 1].key;
    this.rememberMarker(`${prefix}\u0000${nextMarker}`, token);
    return { items, truncated: true, nextMarker };
  }

  async capacity(): Promise<CapacityInfo> {
    return this.options.quotaBytes !== undefined ? { totalBytes: this.options.quotaBytes } : {};
  }

  async probe(): Promise<ProbeResult> {
    return runProbe({
      write: (key, body, size) => this.write(key, this.blobFor(key), body, {}, { size }),
      read: async (key) => (await this.read(key, this.blobFor(key))).body,
      remove: async (key) => {
        const blob = this.blobFor(key);
        await this.call(key, () => blob.deleteIfExists());
      },
    });
  }

  // ---------------------------------------------------------------- internals

  private blobFor(key: string): BlockBlobClient {
    const name = encodeName(this.prefix + key);
    if (name.length > AZURE_NAME_MAX) throw new InvalidKeyError(key, `${name.length} characters once encoded for Azure, at most ${AZURE_NAME_MAX} allowed`);
    return this.containerClient.getBlockBlobClient(name);
  }

  private async write(key: string, blob: BlockBlobClient, body: Readable, meta: ObjectMeta, opts?: PutOptions): Promise<StoredObjectInfo> {
    const conditions = opts?.ifNoneMatch === true ? { ifNoneMatch: '*' } : undefined;
    return putBufferedOrStreamed(key, body, meta, opts, {
      singlePutMaxBytes: this.singlePutMaxBytes,
      encodeMeta: (m) => void toAzureMetadata(m, '0'.repeat(32)), // fails early if it cannot fit
      exists: () => this.exists(key, blob),
      sendWhole: async (data, etag, { meta: m }) => {
        await this.call(key, () =>
          blob.upload(data, data.length, {
            blobHTTPHeaders: { blobContentType: m.contentType, blobContentMD5: Buffer.from(etag, 'hex') },
            metadata: toAzureMetadata(m, etag),
            conditions,
          }),
        );
      },
      sendInParts: (first, rest, reader, { meta: m }) => this.writeBlocks(blob, first, rest, reader, m, conditions),
      mapError: (err) => mapAzureError(err, key, conditions !== undefined),
    });
  }

  /** The large path: uncommitted blocks, then one commit with the metadata and the MD5. */
  private async writeBlocks(
    blob: BlockBlobClient,
    first: Buffer[],
    rest: AsyncGenerator<Buffer>,
    reader: BodyReader,
    m: NormalizedMeta,
    conditions: { ifNoneMatch: string } | undefined,
  ): Promise<void> {
    // Block ids of one blob must all have the same length; a fresh prefix keeps them apart from another upload's.
    const upload = randomUUID();
    const ids: string[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    const stage = (data: Buffer) => {
      if (ids.length >= MAX_BLOCKS) throw new BackendUnavailableError(`object needs more than ${MAX_BLOCKS} blocks of ${this.blockSize} bytes`);
      const id = Buffer.from(`${upload}-${String(ids.length).padStart(6, '0')}`).toString('base64');
      ids.push(id);
      const md5 = createHash('md5').update(data).digest();
      const p: Promise<void> = blob
        .stageBlock(id, data, data.length, { transactionalContentMD5: md5 })
        .then(
          () => undefined,
          (err: unknown) => {
            failure ??= err;
          },
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    let pending: Buffer[] = [...first];
    let pendingBytes = first.reduce((n, b) => n + b.length, 0);
    const flushFull = async () => {
      while (pendingBytes >= this.blockSize) {
        const all = Buffer.concat(pending, pendingBytes);
        stage(all.subarray(0, this.blockSize));
        pending = [all.subarray(this.blockSize)];
        pendingBytes -= this.blockSize;
        while (inFlight.size >= this.concurrency) await Promise.race(inFlight);
        if (failure) throw failure;
      }
    };
    try {
      await flushFull();
      for (;;) {
        const n = await rest.next();
        if (n.done) break;
        pending.push(n.value);
        pendingBytes += n.value.length;
        await flushFull();
      }
      if (pendingBytes > 0) stage(Buffer.concat(pending, pendingBytes));
      await Promise.all(inFlight);
      if (failure) throw failure;
    } catch (err) {
      await Promise.all(inFlight);
      throw err;
    }
    const etag = reader.etag();
    await blob.commitBlockList(ids, {
      blobHTTPHeaders: { blobContentType: m.contentType, blobContentMD5: Buffer.from(etag, 'hex') },
      metadata: toAzureMetadata(m, etag),
      conditions,
    });
  }

  private async read(key: string, blob: BlockBlobClient, range?: ByteRange): Promise<GetResult> {
    const count = range?.end !== undefined ? range.end - range.start + 1 : undefined;
    const res = await this.call(key, () => blob.download(range?.start ?? 0, count, { maxRetryRequests: 3 }));
    let body = res.readableStreamBody as Readable | undefined;
    if (!body) throw new BackendUnavailableError('azure download returned no body');
    const served = parseContentRange(res.contentRange);
    const size = served?.total ?? res.contentLength ?? 0;
    const info = infoFrom(key, res, size);
    if (!range) return { info, body };
    try {
      const span = resolveRange(range, size);
      // `start: 0` without an end is asked as the whole blob (no Range header): 200, not 206.
      const from = served ?? { start: 0, end: size - 1 };
      if (from.start > span.start || from.end < span.end) {
        throw new BackendUnavailableError(`azure sent bytes ${from.start}-${from.end} for range ${span.start}-${span.end}`);
      }
      if (from.start !== span.start || from.end !== span.end) body = sliceStream(body, span.start - from.start, span.end - span.start + 1);
      return { info, body, range: span };
    } catch (err) {
      body.destroy();
      throw err;
    }
  }

  private async listPage(token: string | undefined, prefix: string, maxPageSize: number): Promise<{ items: BlobItem[]; next?: string }> {
    const pages = this.containerClient.listBlobsFlat({ prefix: prefix || undefined, includeMetadata: true }).byPage({ continuationToken: token, maxPageSize });
    const res = await this.call(prefix, () => pages.next());
    if (res.done) return { items: [] };
    return { items: res.value.segment.blobItems, next: res.value.continuationToken || undefined };
  }

  private rememberMarker(key: string, token: string): void {
    this.markers.delete(key);
    this.markers.set(key, token);
    if (this.markers.size > MARKER_CACHE_SIZE) this.markers.delete(this.markers.keys().next().value as string);
  }

  private async exists(key: string, blob: BlockBlobClient): Promise<boolean> {
    return (await unlessMissing(this.call(key, () => blob.getProperties()))) !== undefined;
  }

  /** Runs one SDK call, mapping its failure onto the backend errors. */
  private async call<T>(key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapAzureError(err, key, false);
    }
  }
}

/** `[` → `[0`, `\` → `[1`, each dot of a segment-final run of dots → `[2` (see the class doc). */
export function encodeName(name: string): string {
  return name
    .split('/')
    .map((segment) => {
      const escaped = segment.replace(/[[\\]/g, (c) => (c === '[' ? '[0' : '[1'));
      const dots = /\.+$/.exec(escaped)?.[0].length ?? 0;
      return dots === 0 ? escaped : escaped.slice(0, escaped.length - dots) + '[2'.repeat(dots);
    })
    .join('/');
}

/** The key of a blob name this driver wrote, or undefined for a name it could not have written. */
export function decodeName(name: string): string | undefined {
  let bad = false;
  const key = name.replace(/\[(.?)/g, (_m, c: string) => {
    if (c === '0') return '[';
    if (c === '1') return '\\';
    if (c === '2') return '.';
    bad = true;
    return '';
  });
  return !bad && encodeName(key) === name ? key : undefined;
}

/**
 * The service-side prefix for listing keys that start with `prefix`: its
 * final run of dots may or may not end a segment in a matching key, so it is
 * left out (and matched on the decoded keys).
 */
function encodeListPrefix(prefix: string): string {
  const open = /\.+$/.exec(prefix)?.[0].length ?? 0;
  const head = prefix.slice(0, prefix.length - open);
  // Encode as if more characters followed, so no dot of `head` is taken for a segment end.
  const encoded = encodeName(`${head}x`);
  return encoded.slice(0, -1);
}

function toAzureMetadata(m: NormalizedMeta, etag: string): Record<string, string> {
  const out: Record<string, string> = { [MD5_META]: etag };
  for (const [k, v] of Object.entries(m.userMeta)) out[USER_META + k.replace(/-/g, '_')] = encodeMetaValue(v);
  for (const [k, v] of Object.entries(m.systemMeta)) out[SYSTEM_META + k.replace(/-/g, '_')] = encodeMetaValue(v);
  let total = 0;
  for (const [k, v] of Object.entries(out)) total += k.length + v.length;
  if (total > AZURE_META_MAX) throw new InvalidMetadataError(`metadata takes ${total} bytes once encoded for Azure, at most ${AZURE_META_MAX} allowed`);
  return out;
}

function fromAzureMetadata(metadata: Record<string, string> | undefined): { userMeta: Record<string, string>; systemMeta: Record<string, string>; md5?: string } {
  const userMeta: Record<string, string> = {};
  const systemMeta: Record<string, string> = {};
  let md5: string | undefined;
  for (const [rawName, value] of Object.entries(metadata ?? {})) {
    const name = rawName.toLowerCase();
    if (name === MD5_META) md5 = value;
    else if (name.startsWith(USER_META)) userMeta[name.slice(USER_META.length).replace(/_/g, '-')] = decodeMetaValue(value);
    else if (name.startsWith(SYSTEM_META)) systemMeta[name.slice(SYSTEM_META.length).replace(/_/g, '-')] = decodeMetaValue(value);
    // anything else was not written by MCOS: ignored
  }
  return { userMeta, systemMeta, md5 };
}

function infoFrom(
  key: string,
  res: Pick<BlobGetPropertiesResponse, 'metadata' | 'contentType' | 'contentMD5' | 'lastModified' | 'etag'> & { blobContentMD5?: Uint8Array },
  size: number,
): StoredObjectInfo {
  const { userMeta, systemMeta, md5 } = fromAzureMetadata(res.metadata);
  const contentMD5 = res.blobContentMD5 ?? res.contentMD5;
  return {
    key,
    size,
    // Blobs not written by MCOS: the Content-MD5 Azure kept, if any (Azure's ETag is not an MD5).
    etag: md5 ?? (contentMD5 ? Buffer.from(contentMD5).toString('hex') : ''),
    lastModified: res.lastModified ?? new Date(0),
    contentType: res.contentType ?? DEFAULT_CONTENT_TYPE,
    userMeta,
    systemMeta,
  };
}

function itemInfo(key: string, item: BlobItem): StoredObjectInfo {
  const p = item.properties;
  return infoFrom(key, { metadata: item.metadata, contentType: p.contentType, contentMD5: p.contentMD5, lastModified: p.lastModified, etag: p.etag }, p.contentLength ?? 0);
}

/** `encodeHeaderValue`, except that the empty string becomes EMPTY_VALUE: Azure drops empty metadata values. */
function encodeMetaValue(value: string): string {
  return value === '' ? EMPTY_VALUE : encodeHeaderValue(value);
}

function decodeMetaValue(value: string): string {
  return value === EMPTY_VALUE ? '' : decodeHeaderValue(value);
}

function mapAzureError(err: unknown, key: string, createOnly: boolean): BackendError {
  if (err instanceof BackendError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string; details?: { errorCode?: string } } | undefined;
  const code = e?.details?.errorCode ?? e?.code ?? '';
  const status = e?.statusCode;
  const why = `azure ${code || 'error'}${status ? ` (HTTP ${status})` : ''}: ${e?.message?.split('\n')[0] ?? String(err)}`;
  if (!(err instanceof RestError) && status === undefined) return new BackendUnavailableError(why, { cause: err });
  if (code === 'ContainerNotFound') return new BackendUnavailableError(why, { cause: err });
  if (code === 'BlobNotFound' || status === 404) return new ObjectNotFoundError(key, { cause: err });
  if (status === 412 || (createOnly && code === 'BlobAlreadyExists')) return new PreconditionFailedError(key, { cause: err });
  if (status === 416 || code === 'InvalidRange') return new InvalidRangeError(why, { cause: err });
  if (code === 'InvalidBlockList' || status === 409) return new BackendConflictError(why, { cause: err });
  return new BackendUnavailableError(why, { cause: err });
}
