import { createHash, randomUUID } from 'node:crypto';

import { BackendUnavailableError } from './backend.errors';
import { DEFAULT_CONTENT_TYPE, type NormalizedMeta } from './backend-rules';
import type { BodyReader } from './body-reader';
import { mapLimited } from './map-limited';
import type { StoredObjectInfo } from './object-backend';
import { containerPath, objectPath, pumpChunks, readText, unquote, type SwiftHttp } from './swift-http';
import { META_HEADER, MD5_META, SEGMENTS_META, lastModifiedOf } from './swift-metadata';

// Static Large Objects of the swift driver: segments, the manifest, and
// removing the segments of a replaced or deleted object (see the
// SwiftBackend class doc).

/** Swift's default `max_manifest_segments`. */
const MAX_SEGMENTS = 1000;
const DELETE_CONCURRENCY = 8;
const DELETE_REPORT_MAX = 1024 * 1024;

/** What the large-object part needs to know about the driver's containers. */
export interface SwiftLargeObjectsOptions {
  /** Container of the segments, created on first use. */
  segmentContainer: string;
  /** Bytes per segment (the largest plain object). */
  segmentBytes: number;
}

export class SwiftLargeObjects {
  private segmentContainerReady?: Promise<void>;

  constructor(
    private readonly http: SwiftHttp,
    private readonly options: SwiftLargeObjectsOptions,
  ) {}

  /**
   * Writes the body as an SLO at `path`: segments of `segmentBytes` (each
   * checked against its ETag), then the manifest with the metadata, the
   * whole-object MD5 and the segment set. A failure deletes the segments
   * already written. `size` is the announced length, if any.
   */
  async put(
    path: string,
    key: string,
    source: ChunkSource,
    reader: BodyReader,
    m: NormalizedMeta,
    metaHeaders: Record<string, string>,
    createOnly: boolean,
    size: number | undefined,
  ): Promise<StoredObjectInfo> {
    const { segmentContainer, segmentBytes } = this.options;
    await this.ensureSegmentContainer(key);
    const setId = randomUUID();
    const written: string[] = [];
    const manifest: { path: string; etag: string; size_bytes: number }[] = [];
    try {
      for (let index = 1; ; index++) {
        if (!(await source.hasMore())) break;
        if (index > MAX_SEGMENTS) throw new BackendUnavailableError(`object needs more than ${MAX_SEGMENTS} segments of ${segmentBytes} bytes`);
        const name = `${setId}/${String(index).padStart(6, '0')}`;
        const length = size === undefined ? undefined : Math.min(segmentBytes, size - (index - 1) * segmentBytes);
        const md5 = createHash('md5');
        let bytes = 0;
        const segmentChunks = source.segment(segmentBytes, (c) => {
          md5.update(c);
          bytes += c.length;
        });
        const headers: Record<string, string> = { 'content-type': DEFAULT_CONTENT_TYPE };
        if (length !== undefined) headers['content-length'] = String(length);
        written.push(`${segmentContainer}/${name}`);
        const res = await this.http.call('PUT', objectPath(segmentContainer, name), undefined, headers, pumpChunks(segmentChunks), key);
        await this.http.expectCreated(res, 'PUT', key);
        const digest = md5.digest('hex');
        if (unquote(res.headers.etag) !== digest) throw new BackendUnavailableError(`swift stored segment ${name} with ETag ${unquote(res.headers.etag)}, sent MD5 ${digest}`);
        manifest.push({ path: `/${segmentContainer}/${name}`, etag: digest, size_bytes: bytes });
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
      const res = await this.http.call('PUT', path, { 'multipart-manifest': 'put' }, headers, Buffer.from(JSON.stringify(manifest)), key);
      await this.http.expectCreated(res, 'PUT', key);
      return { key, size: reader.bytes, etag, lastModified: lastModifiedOf(res.headers), ...m };
    } catch (err) {
      await this.deleteSegments(written);
      throw err;
    }
  }

  /** `container/name` of each segment of the SLO at `path` (from its manifest). */
  async segmentsOf(path: string, key: string): Promise<string[]> {
    const segments = await this.http.json<{ name?: string; path?: string }[]>('GET', path, { 'multipart-manifest': 'get', format: 'raw' }, key);
    // Only `container/name` entries: anything else could never be a segment of ours, and must not become a DELETE.
    return segments.map((s) => (s.path ?? s.name ?? '').replace(/^\//, '')).filter((p) => /^[^/]+\/./.test(p));
  }

  /** Best effort: segments (`container/name`) left behind are invisible, only wasted space. */
  async deleteSegments(segments: string[]): Promise<void> {
    await mapLimited(segments, DELETE_CONCURRENCY, async (segment) => {
      const slash = segment.indexOf('/');
      try {
        (await this.http.call('DELETE', objectPath(segment.slice(0, slash), segment.slice(slash + 1)), undefined, {}, undefined, segment)).resume();
      } catch {
        // left behind
      }
    });
  }

  /** Deletes the SLO at `path` and its segments in one request (`?multipart-manifest=delete`). */
  async delete(path: string, key: string): Promise<void> {
    const res = await this.http.call('DELETE', path, { 'multipart-manifest': 'delete' }, { accept: 'application/json' }, undefined, key);
    if (res.statusCode !== 200) throw await this.http.failure(res, 'DELETE', key);
    const text = await readText(res, DELETE_REPORT_MAX);
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

  private ensureSegmentContainer(key: string): Promise<void> {
    this.segmentContainerReady ??= (async () => {
      const res = await this.http.call('PUT', containerPath(this.options.segmentContainer), undefined, {}, Buffer.alloc(0), key);
      if (res.statusCode !== 201 && res.statusCode !== 202) throw await this.http.failure(res, 'PUT', key, true);
      res.resume();
    })().catch((err: unknown) => {
      this.segmentContainerReady = undefined;
      throw err;
    });
    return this.segmentContainerReady;
  }
}

/**
 * Pulls from a chunk generator with a carry-over, so a stream can be cut
 * into segments at exact byte counts (chunks that cross a boundary are split).
 */
export class ChunkSource {
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
