import { randomUUID } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';

import {
  BackendError,
  BackendUnavailableError,
  InvalidKeyError,
  ObjectNotFoundError,
  PreconditionFailedError,
} from './backend.errors';
import {
  MAX_KEY_BYTES,
  assertValidKey,
  assertValidRange,
  assertValidSize,
  compareKeys,
  isReservedKey,
  normalizeListOptions,
  normalizeMeta,
  resolveRange,
} from './backend-rules';
import { BodyReader } from './body-reader';
import { DirectorySync } from './dir-sync';
import { OBJECT_SUFFIX, decodeSegment, keyToPathParts, prefixToDirParts } from './fs-key-codec';
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

export interface FsBackendOptions {
  /** Directory that holds everything (created if missing). One process per root. */
  root: string;
  /** Temp files not modified for this long are crash leftovers, removed when the backend starts. Default 1 h. */
  staleTempMs?: number;
}

// On-disk format of one object, one file `objects/<encoded key>.obj`:
//
//   [content bytes][trailer: UTF-8 JSON][uint32 BE trailer length]["MCOSOBJ1"]
//
// Bytes and metadata live in ONE file so that one rename(2) publishes both:
// there is no moment where a reader could pair new bytes with old metadata,
// no orphan side-car after a crash, and a reader that opened the file keeps a
// consistent (bytes, metadata) version even if the key is overwritten or
// deleted meanwhile. The trailer sits after the content because the MD5 is
// only known once the content has streamed through. The content is a plain
// prefix of the file: `head -c <size>` recovers it by hand.
const MAGIC = Buffer.from('MCOSOBJ1', 'latin1');
const FOOTER_BYTES = 4 + MAGIC.length;
const TRAILER_VERSION = 1;
const WRITE_BATCH_BYTES = 1024 * 1024;
/** Well under IOV_MAX (1024): a body of tiny chunks still goes in few calls. */
const WRITE_BATCH_CHUNKS = 256;
const TAIL_READ_BYTES = 4096;
const READ_CHUNK_BYTES = 256 * 1024;
const LIST_READ_CONCURRENCY = 32;
const COMMIT_ATTEMPTS = 5;
const DEFAULT_STALE_TEMP_MS = 60 * 60 * 1000;
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);
/** Objects are user data: only the agent's own user reads them, whatever the umask. */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

interface Trailer {
  v: number;
  key: string;
  size: number;
  etag: string;
  lastModified: number;
  contentType: string;
  userMeta: Record<string, string>;
  systemMeta: Record<string, string>;
}

interface Candidate {
  file: string;
  /** Known from the path; undefined for hashed (shortened) names until the trailer is read. */
  key?: string;
  info?: StoredObjectInfo;
}

/**
 * The embedded default backend: objects as files under a local directory.
 *
 * Layout under `root`: `objects/` (one file per object, path from
 * `fs-key-codec.ts`: no key can name a path outside it) and `.tmp/` (writes
 * in progress; same file system, so the final rename is atomic). Every
 * directory it creates is 0700 and every file 0600; `objects/` and `.tmp/`
 * are narrowed to 0700 at start if they were made wider before.
 *
 * put: stream → `.tmp/<uuid>` (content + trailer) → fsync → rename (or, for
 * create-only, link(2), which fails atomically if the key exists) into place
 * → fsync the directory. A crash leaves either the old object or the new
 * one, plus at worst an unreferenced temp file that nothing reads and that
 * the next start removes once stale.
 *
 * list: walks the directory of the prefix's complete segments (skipping
 * subtrees that sort entirely before `marker`), decodes keys from names,
 * sorts them by `compareKeys`, then reads the trailers of the page only:
 * O(e + n log n + limit) for e directory entries and n matching names —
 * fine for tens of thousands of objects per prefix.
 */
export class FsBackend extends ObjectBackend {
  readonly kind = 'fs' as const;
  readonly maxKeyBytes = MAX_KEY_BYTES;

  private readonly root: string;
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  private readonly staleTempMs: number;
  private readonly dirSync = new DirectorySync();
  /**
   * Commits that are creating directories and have not made them durable
   * yet. While any runs, another commit may find its directory "existing"
   * only because that one just created it, so it fsyncs every ancestor up to
   * `objects/` as well (shared fsyncs, cheap) instead of only its own
   * directory: it must not answer before its directory's own entry is durable.
   */
  private creationsInFlight = 0;
  private ready?: Promise<void>;

  constructor(options: FsBackendOptions) {
    super();
    if (typeof options.root !== 'string' || options.root === '') throw new TypeError('FsBackend: options.root is required');
    this.root = path.resolve(options.root);
    this.objectsDir = path.join(this.root, 'objects');
    this.tmpDir = path.join(this.root, '.tmp');
    this.staleTempMs = options.staleTempMs ?? DEFAULT_STALE_TEMP_MS;
  }

  describe(): string {
    return `fs:${this.root}`;
  }

  async close(): Promise<void> {
    // Nothing held between calls: every operation opens and closes its files.
  }

  async put(key: string, body: Readable, meta: ObjectMeta, opts?: PutOptions): Promise<StoredObjectInfo> {
    assertValidKey(key, this.maxKeyBytes);
    return this.write(key, body, meta, opts);
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    assertValidKey(key, this.maxKeyBytes);
    if (range) assertValidRange(range);
    await this.init();
    return this.openForRead(key, range);
  }

  async head(key: string): Promise<StoredObjectInfo> {
    assertValidKey(key, this.maxKeyBytes);
    await this.init();
    const fh = await this.openObject(key);
    try {
      return await this.readInfo(fh, key, key);
    } finally {
      await fh.close();
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key, this.maxKeyBytes);
    await this.init();
    await this.remove(key);
  }

  async list(opts?: ListOptions): Promise<ListResult> {
    const { prefix, marker, limit } = normalizeListOptions(opts);
    await this.init();
    const candidates: Candidate[] = [];
    const items: StoredObjectInfo[] = [];
    const keep = (key: string) => key.startsWith(prefix) && compareKeys(key, marker) > 0 && !isReservedKey(key);
    const basePrefix = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    try {
      await this.walk(path.join(this.objectsDir, ...prefixToDirParts(prefix)), basePrefix, prefix, marker, candidates, keep);
      // Shortened names: the key is only in the trailer.
      await mapLimited(
        candidates.filter((c) => c.key === undefined),
        LIST_READ_CONCURRENCY,
        async (c) => {
          const info = await this.readInfoAt(c.file);
          // Only if the file sits where its key belongs (a copied or moved file is not that object).
          if (info && this.pathOf(info.key) === c.file) {
            c.info = info;
            c.key = info.key;
          }
        },
      );
      const sorted = candidates
        .filter((c): c is Candidate & { key: string } => c.key !== undefined && keep(c.key))
        .sort((a, b) => compareKeys(a.key, b.key));

      // Read trailers in key order until limit + 1 live objects are known
      // (the extra one tells whether the page is truncated).
      let next = 0;
      while (items.length <= limit && next < sorted.length) {
        const batch = sorted.slice(next, next + Math.min(LIST_READ_CONCURRENCY, limit + 1 - items.length));
        next += batch.length;
        const infos = await Promise.all(batch.map(async (c) => c.info ?? (await this.readInfoAt(c.file))));
        for (let i = 0; i < batch.length; i++) {
          const info = infos[i];
          // Vanished since the walk, corrupt, or a path that doesn't match its trailer: not an object.
          if (info && info.key === batch[i].key) items.push(info);
        }
      }
    } catch (err) {
      throw mapFsError(err, prefix);
    }
    const truncated = items.length > limit;
    const page = items.slice(0, limit);
    return truncated ? { items: page, truncated, nextMarker: page[page.length - 1].key } : { items: page, truncated };
  }

  async capacity(): Promise<CapacityInfo> {
    await this.init();
    try {
      const s = await fsp.statfs(this.root);
      return { totalBytes: s.blocks * s.bsize, usedBytes: (s.blocks - s.bfree) * s.bsize };
    } catch (err) {
      throw mapFsError(err, '');
    }
  }

  async probe(): Promise<ProbeResult> {
    await this.init();
    return runProbe({
      write: (key, body, size) => this.write(key, body, {}, { size }),
      read: async (key) => (await this.openForRead(key)).body,
      remove: (key) => this.remove(key),
    });
  }

  // ---------------------------------------------------------------- internals

  private init(): Promise<void> {
    this.ready ??= this.prepareRoot().catch((err: unknown) => {
      this.ready = undefined; // let the next call retry (e.g. a volume mounted late)
      throw new BackendUnavailableError(`fs backend root ${this.root} is not usable: ${(err as Error).message}`, { cause: err });
    });
    return this.ready;
  }

  private async prepareRoot(): Promise<void> {
    for (const dir of [this.objectsDir, this.tmpDir]) {
      await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
      // Made by an older version with the umask's mode: close it to other users (what is below stays out of reach).
      if (((await fsp.stat(dir)).mode & 0o777) !== DIR_MODE) await fsp.chmod(dir, DIR_MODE);
    }
    const now = Date.now();
    for (const name of await fsp.readdir(this.tmpDir)) {
      const file = path.join(this.tmpDir, name);
      const st = await fsp.stat(file).catch(() => undefined);
      // Age, not "everything": another backend instance on this root may be mid-write.
      if (st && now - st.mtimeMs > this.staleTempMs) await fsp.rm(file, { force: true, recursive: true });
    }
  }

  private pathOf(key: string): string {
    const file = path.join(this.objectsDir, ...keyToPathParts(key));
    // The codec already makes escaping impossible; this is the seat belt.
    if (!file.startsWith(this.objectsDir + path.sep)) throw new InvalidKeyError(key, 'maps outside the backend root');
    return file;
  }

  private async write(key: string, body: Readable, meta: ObjectMeta, opts?: PutOptions): Promise<StoredObjectInfo> {
    const m = normalizeMeta(meta);
    assertValidSize(opts?.size);
    const createOnly = opts?.ifNoneMatch === true;
    await this.init();
    const target = this.pathOf(key);
    if (createOnly && (await exists(target))) throw new PreconditionFailedError(key);
    const tmp = path.join(this.tmpDir, randomUUID());
    let fh: FileHandle | undefined;
    try {
      fh = await fsp.open(tmp, 'wx', FILE_MODE);
      const reader = new BodyReader(body, opts?.size, opts?.knownMd5);
      let batch: Buffer[] = [];
      let batchBytes = 0;
      for await (const chunk of reader.chunks()) {
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= WRITE_BATCH_BYTES || batch.length >= WRITE_BATCH_CHUNKS) {
          await writeAll(fh, batch);
          batch = [];
          batchBytes = 0;
        }
      }
      const info: StoredObjectInfo = { key, size: reader.bytes, etag: reader.etag(), lastModified: new Date(), ...m };
      // The last content bytes and the trailer in one call (a small object: one write in all).
      await writeAll(fh, [...batch, encodeTrailer(info)]);
      await fh.sync();
      await fh.close();
      fh = undefined;
      await this.commit(tmp, target, key, createOnly);
      return info;
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw mapFsError(err, key);
    }
  }

  /** Publishes the finished temp file under `target`: the single atomic step of a put. */
  private async commit(tmp: string, target: string, key: string, createOnly: boolean): Promise<void> {
    const dir = path.dirname(target);
    // Outermost directory this commit created, over all attempts: its parent's entry must be made durable too.
    let firstCreated: string | undefined;
    let creating = false;
    try {
      // The directory usually exists already (one per container), so the first attempt skips the
      // mkdir -p (one syscall per path level on every put); up to COMMIT_ATTEMPTS mkdir-and-retry rounds follow.
      for (let attempt = 0; ; attempt++) {
        try {
          if (createOnly) await this.linkExclusive(tmp, target, key);
          else await fsp.rename(tmp, target);
          break;
        } catch (err) {
          // Directory missing: never created, or pruned by a concurrent delete (also between our mkdir and rename).
          if (errno(err) !== 'ENOENT' || attempt >= COMMIT_ATTEMPTS) throw err;
        }
        if (!creating) {
          creating = true;
          this.creationsInFlight++;
        }
        const created = await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
        if (created !== undefined && (firstCreated === undefined || created.length < firstCreated.length)) firstCreated = created;
      }
      // Make the new entries durable: the directory, and the parents of the directories created;
      // every ancestor while another commit may be creating one of them.
      const othersCreating = this.creationsInFlight > (creating ? 1 : 0);
      const stop = othersCreating ? this.objectsDir : firstCreated ? path.dirname(firstCreated) : dir;
      const dirs = [dir];
      for (let d = dir; d !== stop && d.length > this.objectsDir.length; d = path.dirname(d)) dirs.push(path.dirname(d));
      for (const d of dirs) await this.syncDir(d);
    } finally {
      if (creating) this.creationsInFlight--;
    }
  }

  /**
   * fsync of a directory after a commit. A directory that no longer exists
   * was emptied and pruned by a later delete, so the entry this commit
   * published is already gone: nothing left to make durable.
   */
  private async syncDir(dir: string): Promise<void> {
    try {
      await this.dirSync.sync(dir);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
  }

  private async linkExclusive(tmp: string, target: string, key: string): Promise<void> {
    try {
      await fsp.link(tmp, target);
    } catch (err) {
      if (errno(err) === 'EEXIST') throw new PreconditionFailedError(key, { cause: err });
      if (!LINK_UNSUPPORTED.has(errno(err) ?? '')) throw err;
      // File systems without hard links: check-then-rename, racy against a concurrent create.
      if (await exists(target)) throw new PreconditionFailedError(key);
      await fsp.rename(tmp, target);
      return;
    }
    await fsp.unlink(tmp);
  }

  private async remove(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await fsp.unlink(file);
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return;
      throw mapFsError(err, key);
    }
    await this.dirSync.sync(path.dirname(file)).catch(() => undefined);
    // Prune now-empty directories so that listings stay fast; racing puts retry (see commit).
    for (let d = path.dirname(file); d.length > this.objectsDir.length; d = path.dirname(d)) {
      try {
        await fsp.rmdir(d);
      } catch {
        break; // ENOTEMPTY (the usual case), ENOENT (someone else pruned it)
      }
    }
  }

  private async openObject(key: string): Promise<FileHandle> {
    try {
      return await fsp.open(this.pathOf(key), 'r');
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') throw new ObjectNotFoundError(key, { cause: err });
      throw mapFsError(err, key);
    }
  }

  private async openForRead(key: string, range?: ByteRange): Promise<GetResult> {
    const fh = await this.openObject(key);
    try {
      const info = await this.readInfo(fh, key, key);
      const span = range ? resolveRange(range, info.size) : { start: 0, end: info.size - 1 };
      if (span.end < span.start) {
        await fh.close();
        return { info, body: Readable.from([], { objectMode: false }) };
      }
      // autoClose: the handle closes when the body ends or is destroyed.
      // 256 KiB reads: large objects stream much faster than with the 64 KiB default, memory stays bounded.
      const body = fh.createReadStream({ start: span.start, end: span.end, autoClose: true, highWaterMark: READ_CHUNK_BYTES });
      return range ? { info, body, range: span } : { info, body };
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw mapFsError(err, key);
    }
  }

  /**
   * Reads and checks the trailer of an open object file. With `expectKey`,
   * a file holding another key (only conceivable for shortened names)
   * counts as absent.
   */
  private async readInfo(fh: FileHandle, key: string, expectKey?: string): Promise<StoredObjectInfo> {
    const corrupt = (why: string) => new BackendUnavailableError(`corrupt object file for ${JSON.stringify(key)}: ${why}`);
    const { size: fileSize } = await fh.stat();
    if (fileSize < FOOTER_BYTES) throw corrupt('too short');
    // One read usually brings footer and trailer together.
    const tailBytes = Math.min(fileSize, TAIL_READ_BYTES);
    const tail = await readAt(fh, tailBytes, fileSize - tailBytes);
    const footer = tail.subarray(tailBytes - FOOTER_BYTES);
    if (!footer.subarray(4).equals(MAGIC)) throw corrupt('bad magic');
    const trailerBytes = footer.readUInt32BE(0);
    const size = fileSize - FOOTER_BYTES - trailerBytes;
    if (size < 0) throw corrupt('bad trailer length');
    const json =
      trailerBytes + FOOTER_BYTES <= tailBytes
        ? tail.subarray(tailBytes - FOOTER_BYTES - trailerBytes, tailBytes - FOOTER_BYTES)
        : await readAt(fh, trailerBytes, size);
    let t: Trailer;
    try {
      t = JSON.parse(json.toString('utf8')) as Trailer;
    } catch (err) {
      throw new BackendUnavailableError(`corrupt object file for ${JSON.stringify(key)}: unreadable trailer`, { cause: err });
    }
    if (t.v !== TRAILER_VERSION || t.size !== size || typeof t.key !== 'string' || typeof t.etag !== 'string') {
      throw corrupt('trailer does not match the file');
    }
    if (expectKey !== undefined && t.key !== expectKey) throw new ObjectNotFoundError(expectKey);
    return {
      key: t.key,
      size: t.size,
      etag: t.etag,
      lastModified: new Date(t.lastModified),
      contentType: t.contentType,
      userMeta: t.userMeta,
      systemMeta: t.systemMeta,
    };
  }

  /** The info of a file met while listing, or undefined if it vanished or is not a valid object. */
  private async readInfoAt(file: string): Promise<StoredObjectInfo | undefined> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(file, 'r');
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return await this.readInfo(fh, file);
    } catch (err) {
      if (err instanceof BackendUnavailableError) return undefined; // corrupt: skip, don't fail the listing
      throw err;
    } finally {
      await fh.close();
    }
  }

  /**
   * Collects the object files under `dir`. `keyPrefix` is the key prefix all
   * of them share (known while every directory name on the way decodes).
   */
  private async walk(
    dir: string,
    keyPrefix: string | undefined,
    prefix: string,
    marker: string,
    out: Candidate[],
    keep: (key: string) => boolean,
  ): Promise<void> {
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return;
      throw err;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        const seg = decodeSegment(e.name);
        const sub = keyPrefix !== undefined && seg !== undefined ? `${keyPrefix}${seg}/` : undefined;
        if (sub !== undefined) {
          // Every key below starts with `sub`: skip the subtree if that can't match the prefix,
          // or if the marker sorts after all of them.
          if (!sub.startsWith(prefix) && !prefix.startsWith(sub)) continue;
          if (!marker.startsWith(sub) && compareKeys(marker, sub) > 0) continue;
        }
        await this.walk(path.join(dir, e.name), sub, prefix, marker, out, keep);
      } else if (e.isFile() && e.name.endsWith(OBJECT_SUFFIX)) {
        const seg = decodeSegment(e.name.slice(0, -OBJECT_SUFFIX.length));
        const key = keyPrefix !== undefined && seg !== undefined ? keyPrefix + seg : undefined;
        if (key === undefined || keep(key)) out.push({ file: path.join(dir, e.name), key });
      }
    }
  }
}

function encodeTrailer(info: StoredObjectInfo): Buffer {
  const t: Trailer = {
    v: TRAILER_VERSION,
    key: info.key,
    size: info.size,
    etag: info.etag,
    lastModified: info.lastModified.getTime(),
    contentType: info.contentType,
    userMeta: info.userMeta,
    systemMeta: info.systemMeta,
  };
  const json = Buffer.from(JSON.stringify(t), 'utf8');
  const footer = Buffer.alloc(FOOTER_BYTES);
  footer.writeUInt32BE(json.length, 0);
  MAGIC.copy(footer, 4);
  return Buffer.concat([json, footer]);
}

/**
 * Writes the chunks in order with writev(2): one call per ~1 MiB batch
 * without first copying the chunks into one buffer (a copy per byte and a
 * 1 MiB allocation per batch that only the garbage collector gives back).
 */
async function writeAll(fh: FileHandle, chunks: Buffer[]): Promise<void> {
  let pending = chunks.filter((c) => c.length > 0);
  while (pending.length > 0) {
    let { bytesWritten } = await fh.writev(pending);
    // A short write (rare for regular files): drop what was written and go on with the rest.
    let i = 0;
    while (i < pending.length && bytesWritten >= pending[i].length) bytesWritten -= pending[i++].length;
    pending = pending.slice(i);
    if (bytesWritten > 0) pending[0] = pending[0].subarray(bytesWritten);
  }
}

async function readAt(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  for (let off = 0; off < length; ) {
    const { bytesRead } = await fh.read(buf, off, length - off, position + off);
    if (bytesRead === 0) throw new BackendUnavailableError('object file shorter than its trailer says');
    off += bytesRead;
  }
  return buf;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function mapFsError(err: unknown, key: string): BackendError {
  if (err instanceof BackendError) return err;
  const code = errno(err);
  if (code === 'ENAMETOOLONG') return new InvalidKeyError(key, 'too long for this file system path', { cause: err });
  return new BackendUnavailableError(`fs backend: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
