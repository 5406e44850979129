import type { Readable } from 'node:stream';

import { BackendError, BackendUnavailableError, ObjectNotFoundError, PreconditionFailedError } from './backend.errors';
import {
  assertValidKey,
  assertValidRange,
  compareKeys,
  isReservedKey,
  keyPrefix,
  normalizeListOptions,
  resolveRange,
  type NormalizedMeta,
} from './backend-rules';
import { BodyReader, sliceStream } from './body-reader';
import { parseContentRange } from './header-encoding';
import { mapLimited } from './map-limited';
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
import { checkPut } from './put-opening';
import { SwiftAuth, type SwiftKeystoneAuth, type SwiftTempAuth } from './swift-auth';
import { SwiftHttp, SwiftHttpError, SwiftTransport, containerPath, objectPath, pumpChunks, unquote } from './swift-http';
import { ChunkSource, SwiftLargeObjects } from './swift-large-objects';
import { encodeMetaHeaders, infoFrom, isStaticLargeObject, lastModifiedOf } from './swift-metadata';

export type { SwiftKeystoneAuth, SwiftTempAuth } from './swift-auth';
export { SwiftHttpError } from './swift-http';

export interface SwiftBackendOptions {
  auth: SwiftTempAuth | SwiftKeystoneAuth;
  /** The container holding the objects; it must exist. */
  container: string;
  /** Prepended to every object name (e.g. `agent-a/`), so several backends can share a container. */
  prefix?: string;
  /**
   * Container for the segments of large objects (created on first use).
   * Default `<container>_segments`, Swift's own convention.
   */
  segmentContainer?: string;
  /**
   * Largest object stored as one plain Swift object: the cluster's
   * `max_file_size` (default 5 GiB). Larger ones — and bodies of unknown
   * length beyond `bufferBytes` — become Static Large Objects with segments
   * of this size.
   */
  maxObjectBytes?: number;
  /** Bodies of unknown length up to this size are buffered and sent in one request. Default 8 MiB. */
  bufferBytes?: number;
  /** Overrides the storage URL the auth answer gives (e.g. an internal endpoint). */
  storageUrl?: string;
  /** A token closer than this to its expiry is renewed before a request. Default 60 s. */
  tokenRefreshMarginMs?: number;
  /** A request whose socket stays idle this long fails (also while connecting). Default 30 s. */
  timeoutMs?: number;
  /** Reported as `capacity().totalBytes` (else the container's `X-Container-Meta-Quota-Bytes`, if set). */
  quotaBytes?: number;
}

const MIB = 1024 * 1024;
const DEFAULT_MAX_OBJECT_BYTES = 5 * 1024 * MIB;
const HEAD_CONCURRENCY = 16;
/** Bodies of a known size up to this are read first and sent in one request (no `100 Continue` round trip). */
const SMALL_BODY_BYTES = 1024 * 1024;

/**
 * OpenStack Swift through its native API v1 (node:http, streamed bodies).
 * This file is the `ObjectBackend` contract; its parts are swift-auth.ts
 * (TempAuth, Keystone v3, token renewal), swift-http.ts (requests, errors),
 * swift-large-objects.ts (SLO segments and manifests) and swift-metadata.ts
 * (the header layout below).
 *
 * Auth: TempAuth v1.0 or Keystone v3 password (token + the object-store
 * endpoint of the catalog). The token is renewed when it is within
 * `tokenRefreshMarginMs` of its expiry, and on a 401 the request is
 * re-authenticated and retried once. A streamed PUT cannot be replayed once
 * its body has started to flow, so it is sent with `Expect: 100-continue`:
 * Swift checks the token (and `If-None-Match`, the container...) before
 * asking for the body, so a 401 arrives while the body is still untouched
 * and the PUT is retried with a fresh token. Only a token revoked while a
 * body is in flight fails the put (BackendUnavailableError; nothing stored).
 *
 * Layout: object name = `prefix + key` in `container` (Swift lists names in
 * UTF-8 byte order, as the contract wants). Content type as Content-Type;
 * user metadata as `X-Object-Meta-U-<name>`, system metadata as
 * `X-Object-Meta-S-<name>` (a distinct namespace), values percent-encoded
 * (UTF-8) except printable ASCII, because headers are ASCII. A value longer
 * than Swift's 256-byte limit continues in `X-Object-Meta-U<n>-<name>`
 * (n = 1, 2, ...). Metadata that still exceeds Swift's default constraints
 * (128-byte names, 90 items, 4096 bytes in all) is refused with
 * InvalidMetadataError before anything is sent.
 *
 * put: Swift object PUTs are atomic (the object server renames a complete
 * temp file into place), so the body goes straight to its key. Each put
 * first HEADs the key (create-only fails fast; an SLO being replaced has
 * segments to delete afterwards). Then:
 * - known size ≤ 1 MiB: read first and sent with an `ETag` request header
 *   (Swift verifies it; no `100 Continue` round trip);
 * - known size ≤ `maxObjectBytes`: one streamed PUT (Content-Length); Swift
 *   answers with the MD5 of what it stored (ETag), which must equal the MD5
 *   computed on the way, else the object is removed and the put fails;
 * - unknown size: up to `bufferBytes` are buffered and sent with an `ETag`
 *   request header (Swift verifies it); longer bodies take the next path;
 * - larger: a Static Large Object. Segments of `maxObjectBytes` (chunked
 *   transfer when their length is unknown) go to `segmentContainer` as
 *   `<uuid>/<nnnnnn>`, each checked against its ETag, then the manifest
 *   (`?multipart-manifest=put`) is written to the key with the metadata,
 *   the whole-object MD5 (`X-Object-Meta-Mcos-Md5`: an SLO's ETag is not
 *   the MD5 of its content) and the segment set (`X-Object-Meta-Mcos-Segments`).
 *   The object appears when the manifest does, complete. A failed body
 *   deletes the segments already written.
 * An overwrite or delete of an SLO also removes its segments (overwrite:
 * the manifest is read before and its segments deleted after the new
 * version is in place; delete: `?multipart-manifest=delete`). A crash
 * between the two can leave unreferenced segments behind (never visible).
 *
 * Create-only: a HEAD before reading the body (fails fast), and
 * `If-None-Match: *` on the final PUT, which Swift checks as that request
 * starts (for an SLO: the manifest, after the segments, which are then
 * deleted). A key created while a plain PUT's body flows is overwritten
 * (last writer wins) — the same race S3 servers without conditional
 * writes have.
 *
 * list: `?format=json` with prefix/marker/limit, plus one HEAD per item
 * (16 in flight) for the metadata that listings don't carry.
 *
 * Errors: 404 → ObjectNotFoundError (a PUT into a missing container →
 * BackendUnavailableError); 412 → PreconditionFailedError; 416 →
 * InvalidRangeError; 409 → BackendConflictError; everything else (network,
 * timeouts, 5xx, 401/403 after a fresh token, 422 checksum mismatch) →
 * BackendUnavailableError; the `SwiftHttpError` or network error is `cause`.
 */
export class SwiftBackend extends ObjectBackend {
  readonly kind = 'swift' as const;
  readonly maxKeyBytes: number;

  private readonly prefix: string;
  private readonly container: string;
  private readonly segmentContainer: string;
  private readonly maxObjectBytes: number;
  private readonly bufferBytes: number;
  private readonly transport: SwiftTransport;
  private readonly http: SwiftHttp;
  private readonly largeObjects: SwiftLargeObjects;

  constructor(private readonly options: SwiftBackendOptions) {
    super();
    if (!options.container) throw new TypeError('SwiftBackend: options.container is required');
    if (!options.auth?.authUrl && !options.storageUrl) throw new TypeError('SwiftBackend: options.auth.authUrl is required');
    this.container = options.container;
    this.segmentContainer = options.segmentContainer ?? `${options.container}_segments`;
    ({ prefix: this.prefix, maxKeyBytes: this.maxKeyBytes } = keyPrefix(options.prefix));
    this.maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    if (!Number.isSafeInteger(this.maxObjectBytes) || this.maxObjectBytes < 1) throw new RangeError('SwiftBackend: maxObjectBytes must be a positive integer');
    this.bufferBytes = Math.min(options.bufferBytes ?? 8 * MIB, this.maxObjectBytes);
    this.transport = new SwiftTransport(options.timeoutMs ?? 30_000);
    const auth = new SwiftAuth({ auth: options.auth, storageUrl: options.storageUrl, refreshMarginMs: options.tokenRefreshMarginMs ?? 60_000 }, this.transport);
    this.http = new SwiftHttp(this.transport, auth);
    this.largeObjects = new SwiftLargeObjects(this.http, { segmentContainer: this.segmentContainer, segmentBytes: this.maxObjectBytes });
  }

  describe(): string {
    const where = this.options.storageUrl ?? this.options.auth.authUrl;
    return `swift:${where}/${this.container}/${this.prefix}`;
  }

  async close(): Promise<void> {
    this.transport.close();
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
    const info = await this.stat(key);
    if (!info) throw new ObjectNotFoundError(key);
    return info.info;
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key, this.maxKeyBytes);
    await this.remove(key);
  }

  async list(opts?: ListOptions): Promise<ListResult> {
    const { prefix, marker, limit } = normalizeListOptions(opts);
    const keys: string[] = [];
    let after = this.prefix + marker;
    for (;;) {
      const query: Record<string, string> = { format: 'json', prefix: this.prefix + prefix, limit: String(Math.min(10000, limit + 1 - keys.length)) };
      if (after !== this.prefix) query.marker = after;
      const page = await this.http.json<{ name: string }[]>('GET', containerPath(this.container), query, prefix, true);
      for (const o of page) {
        if (!o.name.startsWith(this.prefix)) continue;
        const key = o.name.slice(this.prefix.length);
        if (!isReservedKey(key) && compareKeys(key, marker) > 0) keys.push(key);
      }
      if (page.length < Number(query.limit) || keys.length > limit) break;
      after = page[page.length - 1].name;
    }
    const truncated = keys.length > limit;
    const page = keys.slice(0, limit);
    // undefined: deleted since the listing
    const infos = await mapLimited(page, HEAD_CONCURRENCY, async (key) => (await this.stat(key))?.info);
    const items = infos.filter((i): i is StoredObjectInfo => i !== undefined);
    return truncated ? { items, truncated, nextMarker: page[page.length - 1] } : { items, truncated };
  }

  async capacity(): Promise<CapacityInfo> {
    const res = await this.http.call('HEAD', containerPath(this.container), undefined, {}, undefined, this.container);
    res.resume();
    if (res.statusCode !== 204 && res.statusCode !== 200) {
      throw new BackendUnavailableError(`swift container ${this.container}`, { cause: new SwiftHttpError('HEAD', res.statusCode ?? 0, '') });
    }
    let used = Number(res.headers['x-container-bytes-used'] ?? 0);
    const res2 = await this.http.call('HEAD', containerPath(this.segmentContainer), undefined, {}, undefined, this.segmentContainer);
    res2.resume();
    if (res2.statusCode === 204 || res2.statusCode === 200) used += Number(res2.headers['x-container-bytes-used'] ?? 0);
    const quota = this.options.quotaBytes ?? (res.headers['x-container-meta-quota-bytes'] ? Number(res.headers['x-container-meta-quota-bytes']) : undefined);
    return quota !== undefined && Number.isFinite(quota) ? { totalBytes: quota, usedBytes: used } : { usedBytes: used };
  }

  async probe(): Promise<ProbeResult> {
    return runProbe({
      write: (key, body, size) => this.write(key, body, {}, { size }),
      read: async (key) => (await this.read(key)).body,
      remove: (key) => this.remove(key),
    });
  }

  // ---------------------------------------------------------------- internals

  private async write(key: string, body: Readable, meta: ObjectMeta, opts?: PutOptions): Promise<StoredObjectInfo> {
    const { meta: m, encoded: metaHeaders, createOnly } = checkPut(meta, opts, encodeMetaHeaders);
    const previous = await this.stat(key);
    if (createOnly && previous) throw new PreconditionFailedError(key);
    // Segments of the version being replaced, read before it is gone.
    const oldSegments = previous?.slo ? await this.largeObjects.segmentsOf(this.pathOf(key), key).catch(() => []) : [];

    const reader = new BodyReader(body, opts?.size, opts?.knownMd5);
    const chunks = reader.chunks();
    let info: StoredObjectInfo;
    try {
      const size = opts?.size;
      if (size !== undefined && size <= Math.min(SMALL_BODY_BYTES, this.bufferBytes)) {
        // Reading one byte more than announced lets BodyReader see the end (or the excess).
        const data = await new ChunkSource(chunks).take(size + 1);
        info = await this.putBuffered(key, data, reader, m, metaHeaders, createOnly);
      } else if (size !== undefined && size <= this.maxObjectBytes) {
        info = await this.putStreamed(key, chunks, reader, m, metaHeaders, size, createOnly);
      } else if (size !== undefined) {
        info = await this.largeObjects.put(this.pathOf(key), key, new ChunkSource(chunks), reader, m, metaHeaders, createOnly, size);
      } else {
        const source = new ChunkSource(chunks);
        const first = await source.take(this.bufferBytes + 1);
        if (first.length <= this.bufferBytes) {
          info = await this.putBuffered(key, first, reader, m, metaHeaders, createOnly);
        } else {
          source.unshift(first);
          info = await this.largeObjects.put(this.pathOf(key), key, source, reader, m, metaHeaders, createOnly, undefined);
        }
      }
    } catch (err) {
      // Reading may have started: per contract a failure releases the body.
      if (!body.destroyed) body.destroy();
      throw err instanceof BackendError ? err : new BackendUnavailableError(`swift put failed: ${(err as Error)?.message ?? err}`, { cause: err });
    }
    await this.largeObjects.deleteSegments(oldSegments);
    return info;
  }

  /** One PUT whose body streams from the caller; the size is known and fits one object. */
  private async putStreamed(
    key: string,
    chunks: AsyncGenerator<Buffer>,
    reader: BodyReader,
    m: NormalizedMeta,
    metaHeaders: Record<string, string>,
    size: number,
    createOnly: boolean,
  ): Promise<StoredObjectInfo> {
    const headers = { 'content-type': m.contentType, 'content-length': String(size), ...metaHeaders, ...(createOnly ? { 'if-none-match': '*' } : {}) };
    const res = await this.http.call('PUT', this.pathOf(key), undefined, headers, pumpChunks(chunks), key);
    await this.http.expectCreated(res, 'PUT', key);
    const etag = reader.etag();
    const stored = unquote(res.headers.etag);
    if (stored !== etag) {
      // Swift stored other bytes than were sent: never leave them looking valid.
      await this.remove(key).catch(() => undefined);
      throw new BackendUnavailableError(`swift stored ETag ${stored} for a body with MD5 ${etag}`);
    }
    return { key, size: reader.bytes, etag, lastModified: lastModifiedOf(res.headers), ...m };
  }

  /** A small body, already read: one PUT that Swift verifies with the `ETag` header. */
  private async putBuffered(
    key: string,
    data: Buffer,
    reader: BodyReader,
    m: NormalizedMeta,
    metaHeaders: Record<string, string>,
    createOnly: boolean,
  ): Promise<StoredObjectInfo> {
    const etag = reader.etag();
    const headers = { 'content-type': m.contentType, etag, ...metaHeaders, ...(createOnly ? { 'if-none-match': '*' } : {}) };
    const res = await this.http.call('PUT', this.pathOf(key), undefined, headers, data, key);
    await this.http.expectCreated(res, 'PUT', key);
    return { key, size: data.length, etag, lastModified: lastModifiedOf(res.headers), ...m };
  }

  private async read(key: string, range?: ByteRange): Promise<GetResult> {
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {};
    const res = await this.http.call('GET', this.pathOf(key), undefined, headers, undefined, key);
    if (res.statusCode !== 200 && res.statusCode !== 206) throw await this.http.failure(res, 'GET', key);
    const served = parseContentRange(res.headers['content-range']);
    const size = served?.total ?? Number(res.headers['content-length'] ?? 0);
    const info = infoFrom(key, res.headers, size);
    // The socket idle timeout guarded the wait for an answer; a slow reader must not trip it.
    res.socket?.setTimeout(0);
    let body: Readable = res;
    if (!range) return { info, body };
    try {
      const span = resolveRange(range, size);
      const from = res.statusCode === 206 && served ? served : { start: 0, end: size - 1 };
      if (from.start > span.start || from.end < span.end) {
        throw new BackendUnavailableError(`swift sent bytes ${from.start}-${from.end} for range ${span.start}-${span.end}`);
      }
      if (from.start !== span.start || from.end !== span.end) body = sliceStream(body, span.start - from.start, span.end - span.start + 1);
      return { info, body, range: span };
    } catch (err) {
      body.destroy();
      throw err;
    }
  }

  /** The object's info and whether it is a Static Large Object; undefined when missing. */
  private async stat(key: string): Promise<{ info: StoredObjectInfo; slo: boolean } | undefined> {
    const res = await this.http.call('HEAD', this.pathOf(key), undefined, {}, undefined, key);
    res.resume();
    if (res.statusCode === 404) return undefined;
    if (res.statusCode !== 200) throw await this.http.failure(res, 'HEAD', key);
    return { info: infoFrom(key, res.headers, Number(res.headers['content-length'] ?? 0)), slo: isStaticLargeObject(res.headers) };
  }

  private async remove(key: string): Promise<void> {
    const current = await this.stat(key);
    if (!current) return;
    if (current.slo) {
      await this.largeObjects.delete(this.pathOf(key), key);
      return;
    }
    const res = await this.http.call('DELETE', this.pathOf(key), undefined, {}, undefined, key);
    res.resume();
    if (res.statusCode !== 204 && res.statusCode !== 404) throw await this.http.failure(res, 'DELETE', key);
  }

  /** The object's path below the account. */
  private pathOf(key: string): string {
    return objectPath(this.container, this.prefix + key);
  }
}
