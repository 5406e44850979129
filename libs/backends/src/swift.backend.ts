import { createHash, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';

import {
  BackendConflictError,
  BackendError,
  BackendUnavailableError,
  InvalidMetadataError,
  InvalidRangeError,
  ObjectNotFoundError,
  PreconditionFailedError,
} from './backend.errors';
import {
  DEFAULT_CONTENT_TYPE,
  MAX_KEY_BYTES,
  assertValidKey,
  assertValidRange,
  compareKeys,
  isReservedKey,
  normalizeListOptions,
  resolveRange,
  type NormalizedMeta,
} from './backend-rules';
import { BodyReader, sliceStream } from './body-reader';
import { decodeHeaderValue, encodeHeaderValue, parseContentRange } from './header-encoding';
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

/** TempAuth (and other v1.0 auth): `GET authUrl` with X-Auth-User / X-Auth-Key. */
export interface SwiftTempAuth {
  type: 'tempauth';
  /** e.g. `http://127.0.0.1:8080/auth/v1.0`. */
  authUrl: string;
  /** `account:user`. */
  username: string;
  /** The user's key. */
  password: string;
}

/** Keystone v3 password auth, scoped to a project; the storage URL comes from the catalog. */
export interface SwiftKeystoneAuth {
  type: 'keystone';
  /** The identity v3 base, e.g. `https://keystone.example:5000/v3`. */
  authUrl: string;
  username: string;
  password: string;
  /** Default `Default`. */
  userDomainName?: string;
  /** Project scope by name (with `projectDomainName`) or by id. */
  projectName?: string;
  projectId?: string;
  /** Default `Default`. */
  projectDomainName?: string;
  /** Catalog region of the object-store endpoint; default: the first one. */
  region?: string;
  /** Catalog interface; default `public`. */
  interface?: 'public' | 'internal' | 'admin';
}

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
/** Swift's default `max_manifest_segments`. */
const MAX_SEGMENTS = 1000;
/** Swift's default metadata constraints (`[swift-constraints]` in swift.conf). */
const SWIFT_META_NAME_MAX = 128;
const SWIFT_META_VALUE_MAX = 256;
const SWIFT_META_COUNT_MAX = 90;
const SWIFT_META_OVERALL_MAX = 4096;
const META_HEADER = 'x-object-meta-';
const USER_META = 'u';
const SYSTEM_META = 's';
const MD5_META = 'mcos-md5';
const SEGMENTS_META = 'mcos-segments';
const HEAD_CONCURRENCY = 16;
/** Bodies of a known size up to this are read first and sent in one request (no `100 Continue` round trip). */
const SMALL_BODY_BYTES = 1024 * 1024;
const DELETE_CONCURRENCY = 8;
/** How long a streamed PUT waits for `100 Continue` before sending anyway (servers that never answer it). */
const CONTINUE_WAIT_MS = 2000;
const ERROR_BODY_MAX = 2048;

interface Session {
  token: string;
  storage: Endpoint;
  /** ms since epoch; undefined when the auth service did not say. */
  expiresAt?: number;
}

interface Endpoint {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** Path of the account, no trailing slash, already URL-encoded (e.g. `/v1/AUTH_test`). */
  basePath: string;
}

/** A Swift answer that is not the expected one; kept as the `cause` of the mapped error. */
export class SwiftHttpError extends Error {
  constructor(
    readonly method: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`swift ${method} answered HTTP ${status}${body ? `: ${body.trim().slice(0, 200)}` : ''}`);
    this.name = 'SwiftHttpError';
  }
}

type RequestBody = Buffer | ((req: http.ClientRequest) => Promise<void>);

interface SendResult {
  res: http.IncomingMessage;
  /** Whether a streamed body started flowing (false: the server answered before `100 Continue`). */
  bodyStarted: boolean;
}

/**
 * OpenStack Swift through its native API v1 (node:http, streamed bodies).
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
  private readonly refreshMarginMs: number;
  private readonly timeoutMs: number;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  private session?: Session;
  private authenticating?: Promise<Session>;
  private segmentContainerReady?: Promise<void>;

  constructor(private readonly options: SwiftBackendOptions) {
    super();
    if (!options.container) throw new TypeError('SwiftBackend: options.container is required');
    if (!options.auth?.authUrl && !options.storageUrl) throw new TypeError('SwiftBackend: options.auth.authUrl is required');
    this.container = options.container;
    this.segmentContainer = options.segmentContainer ?? `${options.container}_segments`;
    this.prefix = options.prefix ?? '';
    if (this.prefix !== '') assertValidKey(this.prefix, MAX_KEY_BYTES - 1, true);
    this.maxKeyBytes = MAX_KEY_BYTES - Buffer.byteLength(this.prefix, 'utf8');
    this.maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    if (!Number.isSafeInteger(this.maxObjectBytes) || this.maxObjectBytes < 1) throw new RangeError('SwiftBackend: maxObjectBytes must be a positive integer');
    this.bufferBytes = Math.min(options.bufferBytes ?? 8 * MIB, this.maxObjectBytes);
    this.refreshMarginMs = options.tokenRefreshMarginMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  describe(): string {
    const where = this.options.storageUrl ?? this.options.auth.authUrl;
    return `swift:${where}/${this.container}/${this.prefix}`;
  }

  async close(): Promise<void> {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
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
      const page = await this.json<{ name: string }[]>('GET', this.containerPath(this.container), query, prefix, true);
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
    const res = await this.call('HEAD', this.containerPath(this.container), undefined, {}, undefined, this.container);
    res.resume();
    if (res.statusCode !== 204 && res.statusCode !== 200) {
      throw new BackendUnavailableError(`swift container ${this.container}`, { cause: new SwiftHttpError('HEAD', res.statusCode ?? 0, '') });
    }
    let used = Number(res.headers['x-container-bytes-used'] ?? 0);
    const res2 = await this.call('HEAD', this.containerPath(this.segmentContainer), undefined, {}, undefined, this.segmentContainer);
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

  // ---------------------------------------------------------------- internals: objects

  private async write(key: string, body: Readable, meta: ObjectMeta, opts?: PutOptions): Promise<StoredObjectInfo> {
    const { meta: m, encoded: metaHeaders, createOnly } = checkPut(meta, opts, encodeMetaHeaders);
    const previous = await this.stat(key);
    if (createOnly && previous) throw new PreconditionFailedError(key);
    // Segments of the version being replaced, read before it is gone.
    const oldSegments = previous?.slo ? await this.manifestSegments(key).catch(() => []) : [];

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
        info = await this.putSegmented(key, new ChunkSource(chunks), reader, m, metaHeaders, createOnly, size);
      } else {
        const source = new ChunkSource(chunks);
        const first = await source.take(this.bufferBytes + 1);
        if (first.length <= this.bufferBytes) {
          info = await this.putBuffered(key, first, reader, m, metaHeaders, createOnly);
        } else {
          source.unshift(first);
          info = await this.putSegmented(key, source, reader, m, metaHeaders, createOnly, undefined);
        }
      }
    } catch (err) {
      // Reading may have started: per contract a failure releases the body.
      if (!body.destroyed) body.destroy();
      throw err instanceof BackendError ? err : new BackendUnavailableError(`swift put failed: ${(err as Error)?.message ?? err}`, { cause: err });
    }
    await this.deleteSegments(oldSegments);
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
    const res = await this.call('PUT', this.objectPath(key), undefined, headers, pumpChunks(chunks), key);
    await this.expectCreated(res, 'PUT', key);
    const etag = reader.etag();
    const stored = unquote(res.headers.etag);
    if (stored !== etag) {
      // Swift stored other bytes than were sent: never leave them looking valid.
      await this.remove(key).catch(() => undefined);
      throw new BackendUnavailableError(`swift stored ETag ${stored} for a body with MD5 ${etag}`);
    }
    return { key, size: reader.bytes, etag, lastModified: lastModifiedOf(res.headers), ...m };
  }

  /** A small body of unknown length, already read: one PUT that Swift verifies with the `ETag` header. */
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
    const res = await this.call('PUT', this.objectPath(key), undefined, headers, data, key);
    await this.expectCreated(res, 'PUT', key);
    return { key, size: data.length, etag, lastModified: lastModifiedOf(res.headers), ...m };
  }

  /** A Static Large Object: segments, then the manifest (see the class doc). */
  private async putSegmented(
    key: string,
    source: ChunkSource,
    reader: BodyReader,
    m: NormalizedMeta,
    metaHeaders: Record<string, string>,
    createOnly: boolean,
    size: number | undefined,
  ): Promise<StoredObjectInfo> {
    await this.ensureSegmentContainer(key);
    const setId = randomUUID();
    const written: string[] = [];
    const manifest: { path: string; etag: string; size_bytes: number }[] = [];
    try {
      for (let index = 1; ; index++) {
        if (!(await source.hasMore())) break;
        if (index > MAX_SEGMENTS) throw new BackendUnavailableError(`object needs more than ${MAX_SEGMENTS} segments of ${this.maxObjectBytes} bytes`);
        const name = `${setId}/${String(index).padStart(6, '0')}`;
        const length = size === undefined ? undefined : Math.min(this.maxObjectBytes, size - (index - 1) * this.maxObjectBytes);
        const md5 = createHash('md5');
        let bytes = 0;
        const segmentChunks = source.segment(this.maxObjectBytes, (c) => {
          md5.update(c);
          bytes += c.length;
        });
        const headers: Record<string, string> = { 'content-type': DEFAULT_CONTENT_TYPE };
        if (length !== undefined) headers['content-length'] = String(length);
        written.push(name);
        const res = await this.call('PUT', `${this.containerPath(this.segmentContainer)}/${encodePath(name)}`, undefined, headers, pumpChunks(segmentChunks), key);
        await this.expectCreated(res, 'PUT', key);
        const digest = md5.digest('hex');
        if (unquote(res.headers.etag) !== digest) throw new BackendUnavailableError(`swift stored segment ${name} with ETag ${unquote(res.headers.etag)}, sent MD5 ${digest}`);
        manifest.push({ path: `/${this.segmentContainer}/${name}`, etag: digest, size_bytes: bytes });
      }
      // The body ended: BodyReader has checked the announced size.
      const etag = reader.etag();
      const headers = {
        'content-type': m.contentType,
        ...metaHeaders,
        [`${META_HEADER}${MD5_META}`]: etag,
        [`${META_HEADER}${SEGMENTS_META}`]: setId,
        ...(createOnly ? { 'if-none-match': '*' } : {}),
      };
      const res = await this.call('PUT', this.objectPath(key), { 'multipart-manifest': 'put' }, headers, Buffer.from(JSON.stringify(manifest)), key);
      await this.expectCreated(res, 'PUT', key);
      return { key, size: reader.bytes, etag, lastModified: lastModifiedOf(res.headers), ...m };
    } catch (err) {
      await this.deleteSegments(written.map((n) => `${this.segmentContainer}/${n}`));
      throw err;
    }
  }

  private async read(key: string, range?: ByteRange): Promise<GetResult> {
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {};
    const res = await this.call('GET', this.objectPath(key), undefined, headers, undefined, key);
    if (res.statusCode !== 200 && res.statusCode !== 206) throw await this.failure(res, 'GET', key);
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
    const res = await this.call('HEAD', this.objectPath(key), undefined, {}, undefined, key);
    res.resume();
    if (res.statusCode === 404) return undefined;
    if (res.statusCode !== 200) throw await this.failure(res, 'HEAD', key);
    return { info: infoFrom(key, res.headers, Number(res.headers['content-length'] ?? 0)), slo: isTrue(res.headers['x-static-large-object']) };
  }

  private async remove(key: string): Promise<void> {
    const current = await this.stat(key);
    if (!current) return;
    if (!current.slo) {
      const res = await this.call('DELETE', this.objectPath(key), undefined, {}, undefined, key);
      res.resume();
      if (res.statusCode !== 204 && res.statusCode !== 404) throw await this.failure(res, 'DELETE', key);
      return;
    }
    const res = await this.call('DELETE', this.objectPath(key), { 'multipart-manifest': 'delete' }, { accept: 'application/json' }, undefined, key);
    if (res.statusCode !== 200) throw await this.failure(res, 'DELETE', key);
    const text = await readText(res, 1024 * 1024);
    let report: { 'Response Status'?: string; Errors?: unknown[] };
    try {
      report = JSON.parse(text) as typeof report;
    } catch (err) {
      throw new BackendUnavailableError(`swift multipart delete answered ${text.slice(0, 200)}`, { cause: err });
    }
    const status = report['Response Status'] ?? '';
    if (!/^(200|204|404)\b/.test(status) || (report.Errors ?? []).length > 0) {
      throw new BackendUnavailableError(`swift multipart delete of ${JSON.stringify(key)}: ${status} ${JSON.stringify(report.Errors ?? [])}`);
    }
  }

  /** `container/name` of each segment of the SLO at `key` (from its manifest). */
  private async manifestSegments(key: string): Promise<string[]> {
    const segments = await this.json<{ name: string }[]>('GET', this.objectPath(key), { 'multipart-manifest': 'get', format: 'raw' }, key);
    return segments.map((s) => (s as unknown as { path?: string }).path ?? s.name).map((p) => p.replace(/^\//, ''));
  }

  /** Best effort: segments left behind are invisible, only wasted space. */
  private async deleteSegments(paths: string[]): Promise<void> {
    await mapLimited(paths, DELETE_CONCURRENCY, async (segment) => {
      const slash = segment.indexOf('/');
      const path = `${this.containerPath(segment.slice(0, slash))}/${encodePath(segment.slice(slash + 1))}`;
      try {
        (await this.call('DELETE', path, undefined, {}, undefined, segment)).resume();
      } catch {
        // left behind
      }
    });
  }

  private ensureSegmentContainer(key: string): Promise<void> {
    this.segmentContainerReady ??= (async () => {
      const res = await this.call('PUT', this.containerPath(this.segmentContainer), undefined, {}, Buffer.alloc(0), key);
      if (res.statusCode !== 201 && res.statusCode !== 202) throw await this.failure(res, 'PUT', key, true);
      res.resume();
    })().catch((err: unknown) => {
      this.segmentContainerReady = undefined;
      throw err;
    });
    return this.segmentContainerReady;
  }

  private async expectCreated(res: http.IncomingMessage, method: string, key: string): Promise<void> {
    if (res.statusCode === 201) {
      res.resume();
      return;
    }
    throw await this.failure(res, method, key, true);
  }

  /** Reads (a bounded part of) an unexpected answer and maps it. `containerLevel`: a 404 means the container is missing. */
  private async failure(res: http.IncomingMessage, method: string, key: string, containerLevel = false): Promise<BackendError> {
    const text = await readText(res, ERROR_BODY_MAX).catch(() => '');
    const err = new SwiftHttpError(method, res.statusCode ?? 0, text);
    if (containerLevel && res.statusCode === 404) return new BackendUnavailableError(`swift container missing (${err.message})`, { cause: err });
    return mapStatus(err, key);
  }

  /** `ofContainer`: a 404 means the container is missing (BackendUnavailableError). */
  private async json<T>(method: string, path: string, query: Record<string, string>, key: string, ofContainer = false): Promise<T> {
    const res = await this.call(method, path, query, { accept: 'application/json' }, undefined, key);
    if (res.statusCode === 204) {
      res.resume();
      return [] as T;
    }
    if (res.statusCode !== 200) throw await this.failure(res, method, key, ofContainer);
    const text = await readText(res, Number.MAX_SAFE_INTEGER);
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new BackendUnavailableError(`swift ${method} answered with invalid JSON`, { cause: err });
    }
  }

  private objectPath(key: string): string {
    return `${this.containerPath(this.container)}/${encodePath(this.prefix + key)}`;
  }

  private containerPath(container: string): string {
    return `/${encodeURIComponent(container)}`;
  }

  // ---------------------------------------------------------------- internals: HTTP and auth

  /**
   * One request to the storage URL with a valid token; on a 401 the token is
   * renewed and the request repeated once — for a streamed body only if it
   * has not started to flow (see the class doc). Network failures become
   * BackendUnavailableError; the body's own failure stays BodyStreamError.
   */
  private async call(
    method: string,
    path: string,
    query: Record<string, string> | undefined,
    headers: Record<string, string>,
    body: RequestBody | undefined,
    key: string,
  ): Promise<http.IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      const session = await this.ensureSession();
      const fullPath = session.storage.basePath + path + (query ? `?${new URLSearchParams(query).toString().replace(/\+/g, '%20')}` : '');
      let result: SendResult;
      try {
        result = await this.send(session.storage, method, fullPath, { ...headers, 'x-auth-token': session.token }, body);
      } catch (err) {
        if (err instanceof BackendError) throw err;
        throw new BackendUnavailableError(`swift ${method} ${JSON.stringify(key)}: ${(err as Error)?.message ?? err}`, { cause: err });
      }
      const { res, bodyStarted } = result;
      if (res.statusCode !== 401) return res;
      // Expired or revoked: the next request authenticates again.
      if (this.session === session) this.session = undefined;
      if (attempt > 0 || bodyStarted) return res;
      res.resume();
    }
  }

  private send(target: Endpoint, method: string, path: string, headers: Record<string, string>, body: RequestBody | undefined): Promise<SendResult> {
    const streamed = typeof body === 'function';
    return new Promise<SendResult>((resolve, reject) => {
      const lib = target.protocol === 'https:' ? https : http;
      const req = lib.request({
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method,
        path,
        headers: streamed ? { ...headers, expect: '100-continue' } : headers,
        agent: target.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
        timeout: this.timeoutMs,
      });
      let bodyStarted = false;
      let bodyFailure: unknown;
      let waitTimer: NodeJS.Timeout | undefined;
      req.on('timeout', () => req.destroy(new Error(`no activity for ${this.timeoutMs} ms`)));
      req.on('error', (err) => {
        clearTimeout(waitTimer);
        reject(bodyFailure ?? err);
      });
      req.on('response', (res) => {
        clearTimeout(waitTimer);
        if (streamed && (!bodyStarted || res.statusCode !== 201)) {
          // Answered before (or without) taking the whole body: this request is over.
          res.on('end', () => req.destroy());
        }
        resolve({ res, bodyStarted });
      });
      if (!streamed) {
        req.end(body);
        return;
      }
      const start = () => {
        if (bodyStarted || req.destroyed) return;
        bodyStarted = true;
        clearTimeout(waitTimer);
        (body as (r: http.ClientRequest) => Promise<void>)(req).then(
          () => req.end(),
          (err: unknown) => {
            bodyFailure = err;
            req.destroy(err as Error);
          },
        );
      };
      req.on('continue', start);
      waitTimer = setTimeout(start, CONTINUE_WAIT_MS);
      req.flushHeaders();
    });
  }

  private async ensureSession(): Promise<Session> {
    const s = this.session;
    if (s && (s.expiresAt === undefined || s.expiresAt - Date.now() > this.refreshMarginMs)) return s;
    this.authenticating ??= this.authenticate().finally(() => {
      this.authenticating = undefined;
    });
    const fresh = await this.authenticating;
    this.session = fresh;
    return fresh;
  }

  private async authenticate(): Promise<Session> {
    const auth = this.options.auth;
    try {
      const session = auth.type === 'keystone' ? await this.keystoneAuth(auth) : await this.tempAuth(auth);
      return this.options.storageUrl ? { ...session, storage: parseEndpoint(this.options.storageUrl) } : session;
    } catch (err) {
      if (err instanceof BackendError) throw err;
      throw new BackendUnavailableError(`swift auth at ${auth.authUrl} failed: ${(err as Error)?.message ?? err}`, { cause: err });
    }
  }

  private async tempAuth(auth: SwiftTempAuth): Promise<Session> {
    const target = parseEndpoint(auth.authUrl);
    const { res } = await this.send(target, 'GET', target.basePath || '/', { 'x-auth-user': auth.username, 'x-auth-key': auth.password }, undefined);
    const text = await readText(res, ERROR_BODY_MAX);
    const token = header(res.headers, 'x-auth-token');
    const storageUrl = header(res.headers, 'x-storage-url');
    if (res.statusCode !== 200 && res.statusCode !== 204) throw authError(new SwiftHttpError('GET (auth)', res.statusCode ?? 0, text));
    if (!token || !storageUrl) throw new BackendUnavailableError('swift auth answer lacks X-Auth-Token or X-Storage-Url');
    const expires = Number(header(res.headers, 'x-auth-token-expires'));
    return { token, storage: parseEndpoint(storageUrl), expiresAt: Number.isFinite(expires) && expires > 0 ? Date.now() + expires * 1000 : undefined };
  }

  private async keystoneAuth(auth: SwiftKeystoneAuth): Promise<Session> {
    const target = parseEndpoint(auth.authUrl);
    const scope = auth.projectId
      ? { project: { id: auth.projectId } }
      : auth.projectName
        ? { project: { name: auth.projectName, domain: { name: auth.projectDomainName ?? 'Default' } } }
        : undefined;
    const request = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: auth.username, domain: { name: auth.userDomainName ?? 'Default' }, password: auth.password } } },
        ...(scope ? { scope } : {}),
      },
    };
    const { res } = await this.send(target, 'POST', `${target.basePath}/auth/tokens`, { 'content-type': 'application/json', accept: 'application/json' }, Buffer.from(JSON.stringify(request)));
    const text = await readText(res, 4 * MIB);
    if (res.statusCode !== 201 && res.statusCode !== 200) throw authError(new SwiftHttpError('POST (keystone auth)', res.statusCode ?? 0, text));
    const token = header(res.headers, 'x-subject-token');
    if (!token) throw new BackendUnavailableError('keystone answer lacks X-Subject-Token');
    const doc = JSON.parse(text) as KeystoneTokenDocument;
    const wanted = auth.interface ?? 'public';
    const endpoints = (doc.token?.catalog ?? []).filter((s) => s.type === 'object-store').flatMap((s) => s.endpoints ?? []);
    const endpoint = endpoints.find((e) => e.interface === wanted && (!auth.region || e.region_id === auth.region || e.region === auth.region));
    if (!endpoint?.url) {
      throw new BackendUnavailableError(`keystone catalog has no object-store endpoint (interface ${wanted}${auth.region ? `, region ${auth.region}` : ''})`);
    }
    const expiresAt = doc.token?.expires_at ? Date.parse(doc.token.expires_at) : NaN;
    return { token, storage: parseEndpoint(endpoint.url), expiresAt: Number.isFinite(expiresAt) ? expiresAt : undefined };
  }
}

interface KeystoneTokenDocument {
  token?: {
    expires_at?: string;
    catalog?: { type?: string; endpoints?: { interface?: string; region?: string; region_id?: string; url?: string }[] }[];
  };
}

/**
 * Pulls from a chunk generator with a carry-over, so a stream can be cut
 * into segments at exact byte counts (chunks that cross a boundary are split).
 */
class ChunkSource {
  private carry: Buffer[] = [];
  private ended = false;

  constructor(private readonly chunks: AsyncGenerator<Buffer>) {}

  unshift(data: Buffer): void {
    if (data.length > 0) this.carry.unshift(data);
  }

  async hasMore(): Promise<boolean> {
    while (this.carry.length === 0 && !this.ended) {
      const n = await this.chunks.next();
      if (n.done) this.ended = true;
      else if (n.value.length > 0) this.carry.push(n.value);
    }
    return this.carry.length > 0;
  }

  /** Up to `max` bytes, fewer only at the end of the stream. */
  async take(max: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of this.segment(max)) parts.push(c);
    return Buffer.concat(parts);
  }

  /** The next `max` bytes (or what is left) as chunks; `onChunk` sees each one. */
  async *segment(max: number, onChunk?: (c: Buffer) => void): AsyncGenerator<Buffer> {
    let left = max;
    while (left > 0 && (await this.hasMore())) {
      let c = this.carry.shift() as Buffer;
      if (c.length > left) {
        this.carry.unshift(c.subarray(left));
        c = c.subarray(0, left);
      }
      left -= c.length;
      onChunk?.(c);
      yield c;
    }
  }
}

/** Writes chunks to the request with back-pressure; stops quietly if the request is gone. */
function pumpChunks(chunks: AsyncIterable<Buffer>): (req: http.ClientRequest) => Promise<void> {
  return async (req) => {
    for await (const chunk of chunks) {
      if (req.destroyed) throw new Error('request aborted');
      if (!req.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            req.off('drain', done);
            req.off('close', done);
            resolve();
          };
          req.on('drain', done);
          req.on('close', done);
        });
      }
    }
  };
}

function readText(res: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < max) parts.push(c);
      size += c.length;
    });
    res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    res.on('error', reject);
  });
}

function parseEndpoint(url: string): Endpoint {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`swift: unsupported URL ${url}`);
  return {
    protocol: u.protocol,
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80,
    basePath: u.pathname.replace(/\/+$/, ''),
  };
}

/** Each `/`-separated part percent-encoded (UTF-8); dots stay, and nothing normalises the path on the way. */
function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function unquote(etag: string | string[] | undefined): string {
  return (Array.isArray(etag) ? etag[0] : (etag ?? '')).replace(/"/g, '').toLowerCase();
}

function isTrue(v: string | string[] | undefined): boolean {
  return /^(true|yes|1|on)$/i.test(String(Array.isArray(v) ? v[0] : (v ?? '')));
}

function lastModifiedOf(headers: http.IncomingHttpHeaders): Date {
  const ts = Number(header(headers, 'x-timestamp'));
  if (Number.isFinite(ts) && ts > 0) return new Date(Math.round(ts * 1000));
  const lm = header(headers, 'last-modified');
  const t = lm ? Date.parse(lm) : NaN;
  return Number.isFinite(t) ? new Date(t) : new Date();
}

function infoFrom(key: string, headers: http.IncomingHttpHeaders, size: number): StoredObjectInfo {
  const pieces = { [USER_META]: new Map<string, string[]>(), [SYSTEM_META]: new Map<string, string[]>() };
  let md5: string | undefined;
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith(META_HEADER) || raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    const metaName = name.slice(META_HEADER.length);
    if (metaName === MD5_META) {
      md5 = value;
      continue;
    }
    const m = /^([us])(\d*)-(.+)$/.exec(metaName);
    if (!m) continue; // not written by MCOS
    const list = pieces[m[1] as 'u' | 's'].get(m[3]) ?? [];
    list[m[2] === '' ? 0 : Number(m[2])] = value;
    pieces[m[1] as 'u' | 's'].set(m[3], list);
  }
  const join = (map: Map<string, string[]>): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [name, list] of [...map].sort(([a], [b]) => compareKeys(a, b))) out[name] = decodeHeaderValue(list.join(''));
    return out;
  };
  return {
    key,
    size,
    // Objects not written by MCOS have only Swift's ETag (an MD5 for plain objects).
    etag: md5 ?? unquote(headers.etag),
    lastModified: lastModifiedOf(headers),
    contentType: header(headers, 'content-type') ?? DEFAULT_CONTENT_TYPE,
    userMeta: join(pieces[USER_META]),
    systemMeta: join(pieces[SYSTEM_META]),
  };
}

/** The metadata headers of a PUT, within Swift's default constraints, or InvalidMetadataError. */
function encodeMetaHeaders(m: NormalizedMeta): Record<string, string> {
  const out: Record<string, string> = {};
  let overall = MD5_META.length + 32 + SEGMENTS_META.length + 36;
  let count = 2;
  const add = (ns: string, map: Record<string, string>) => {
    for (const [name, value] of Object.entries(map)) {
      const encoded = encodeHeaderValue(value);
      const pieces = Math.max(1, Math.ceil(encoded.length / SWIFT_META_VALUE_MAX));
      for (let i = 0; i < pieces; i++) {
        const metaName = `${ns}${i === 0 ? '' : i}-${name}`;
        const piece = encoded.slice(i * SWIFT_META_VALUE_MAX, (i + 1) * SWIFT_META_VALUE_MAX);
        if (metaName.length > SWIFT_META_NAME_MAX) throw new InvalidMetadataError(`metadata name ${JSON.stringify(name)} is too long for Swift (at most ${SWIFT_META_NAME_MAX - 3} characters)`);
        out[`${META_HEADER}${metaName}`] = piece;
        overall += metaName.length + piece.length;
        count++;
      }
    }
  };
  add(USER_META, m.userMeta);
  add(SYSTEM_META, m.systemMeta);
  if (count > SWIFT_META_COUNT_MAX || overall > SWIFT_META_OVERALL_MAX) {
    throw new InvalidMetadataError(`metadata takes ${count} items / ${overall} bytes once encoded for Swift, at most ${SWIFT_META_COUNT_MAX} / ${SWIFT_META_OVERALL_MAX} allowed`);
  }
  return out;
}

/** Printable ASCII except `%` stays; every other UTF-8 byte becomes `%XX` (so `decodeURIComponent` reverses it). */
function authError(err: SwiftHttpError): BackendError {
  return new BackendUnavailableError(`swift auth refused: ${err.message}`, { cause: err });
}

function mapStatus(err: SwiftHttpError, key: string): BackendError {
  switch (err.status) {
    case 404:
      return new ObjectNotFoundError(key, { cause: err });
    case 412:
      return new PreconditionFailedError(key, { cause: err });
    case 416:
      return new InvalidRangeError(err.message, { cause: err });
    case 409:
      return new BackendConflictError(err.message, { cause: err });
    default:
      return new BackendUnavailableError(err.message, { cause: err });
  }
}
