import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ContainerView } from '@mcos/common';
import { BadRequestError, objectNameProblem, PayloadTooLargeError, UnavailableError } from '@mcos/common';
import { HybridClock } from '../clock/hybrid-clock';
import { parseTimestamp, timestampDate } from '../clock/timestamp';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import type { IndexEntry } from '../index/index-entry';
import { ContainersService } from '../objects/containers.service';
import { mergeListings, type PageFetcher } from '../objects/listing-merge';
import { checkObjectMetadata, limitBody } from '../objects/object-rules';
import { type ObjectRange, ObjectsService } from '../objects/objects.service';
import { PlacementService } from '../placement/placement.service';
import { ReplicatedStore } from '../replicas/replicated-store';
import { TargetRegistry } from '../replicas/target-registry';
import { decodeManifest, encodeManifest, type ManifestPart, MAX_MANIFEST_BYTES, type MultipartManifest, summaryOf } from '../storage/multipart-manifest';
import { compareNames, MAX_PART_NUMBER, type ObjectAddress, objectKey, partKey, partName, type UploadAddress } from '../storage/object-key';
import { CompleteRejectedError, NoSuchUploadError } from './multipart.errors';
import { MULTIPART_SETTINGS, type MultipartSettings } from './multipart-settings';
import { type UploadRecord, UploadRecords } from './upload-records';

export interface CreateUploadInput extends ObjectAddress {
  contentType?: string;
  userMetadata: Record<string, string>;
  objectHeaders?: Record<string, string>;
}

export interface UploadPartInput extends UploadAddress {
  partNumber: number;
  body: Readable;
  /** The body's length when the client sent one (else counted as it streams, up to the part limit). */
  contentLength?: number;
  onTooLarge?: () => void;
}

export interface CopyPartInput extends UploadAddress {
  partNumber: number;
  source: ObjectAddress & { range?: ObjectRange };
}

export interface PartAnswer {
  etag: string;
  size: number;
  timestamp: string;
}

export interface CompletePart {
  partNumber: number;
  /** As the client sent it: quoted or bare. */
  etag: string;
}

export interface CompleteAnswer {
  etag: string;
  size: number;
  timestamp: string;
  parts: number;
}

export interface ListedPart {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: Date;
}

export interface PartsPage {
  upload: { timestamp: string };
  parts: ListedPart[];
  truncated: boolean;
  /** The last part number listed, when truncated (ListParts' NextPartNumberMarker). */
  nextPartNumberMarker?: number;
}

export interface ListUploadsQuery {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  uploadIdMarker?: string;
  limit: number;
}

export interface ListedUpload {
  name: string;
  uploadId: string;
  initiated: Date;
}

export interface UploadsPage {
  uploads: ListedUpload[];
  commonPrefixes: string[];
  truncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

/** Past every index name that starts with a given string (see listing-merge). */
const PAST = '\u{10FFFF}';

/**
 * Multipart uploads over the existing data path. An upload is a small
 * replicated record; each part is its own replicated key placed by the ring
 * (`p/.../<object>/<uploadId>/<NNNNN>`), written through ReplicatedStore
 * with the option's W quorum like any object, so parts of one object spread
 * over the services and a re-upload of a part is simply a newer version
 * (last writer wins). Complete writes one version of the object key whose
 * body is the part list (a manifest): no byte is copied, and the object
 * appears whole and at once at every agent, since a read sees either the
 * previous version or the manifest. Parts no manifest or open upload
 * references are removed by MultipartGc.
 */
@Injectable()
export class MultipartService {
  constructor(
    private readonly containers: ContainersService,
    private readonly objects: ObjectsService,
    private readonly uploads: UploadRecords,
    private readonly placements: PlacementService,
    private readonly store: ReplicatedStore,
    private readonly map: ClusterMapService,
    private readonly registry: TargetRegistry,
    private readonly clock: HybridClock,
    @Inject(MULTIPART_SETTINGS) private readonly settings: MultipartSettings,
  ) {}

  /** Starts an upload; the bucket's option, Content-Type and metadata are fixed now. */
  async create(input: CreateUploadInput): Promise<{ uploadId: string; timestamp: string }> {
    this.checkName(input);
    checkObjectMetadata(input.contentType, input.userMetadata);
    const container = await this.containers.get(input.account, input.container);
    // 192 random bits: unguessable, and bound to the key (the record's key holds the object name).
    const uploadId = randomBytes(24).toString('base64url');
    const record = await this.uploads.create({ ...input, uploadId }, container, {
      contentType: input.contentType,
      userMeta: input.userMetadata,
      ...(input.objectHeaders ? { objectHeaders: input.objectHeaders } : {}),
    });
    return { uploadId, timestamp: record.timestamp };
  }

  /**
   * Stores one part (1-10000, at most maxPartBytes) as its own replicated
   * key; a part sent again replaces the earlier one (newer timestamp).
   * @throws NoSuchUploadError, BadRequestError (part number), PayloadTooLargeError, UnavailableError
   */
  async uploadPart(input: UploadPartInput): Promise<PartAnswer> {
    this.checkName(input);
    checkPartNumber(input.partNumber);
    if (input.contentLength !== undefined && input.contentLength > this.settings.maxPartBytes) {
      throw new PayloadTooLargeError(`a part is at most ${this.settings.maxPartBytes} bytes (got ${input.contentLength})`);
    }
    const container = await this.containers.get(input.account, input.container);
    const upload = await this.uploads.open(input, container);
    const address = { ...input };
    const placement = this.placements.forObject(input.account, input.container, partName(address), upload.option);
    const timestamp = this.clock.now();
    const version = { timestamp, deleted: false, option: upload.option, size: input.contentLength, userMeta: {} };
    const body = input.contentLength === undefined ? limitBody(input.body, this.settings.maxPartBytes, input.onTooLarge) : input.body;
    const result = await this.store.write(partKey(address), version, body, placement.write);
    return { etag: result.etag, size: result.size, timestamp };
  }

  /** UploadPartCopy: the bytes (or a range of them) of an object read inside the cluster, never through the client. */
  async uploadPartCopy(input: CopyPartInput): Promise<PartAnswer> {
    this.checkName(input);
    checkPartNumber(input.partNumber);
    const container = await this.containers.get(input.account, input.container);
    await this.uploads.open(input, container);
    const read = await this.objects.get(input.source);
    const size = read.range ? read.range.end - read.range.start + 1 : read.version.size;
    if (size > this.settings.maxPartBytes) {
      read.body.destroy();
      throw new PayloadTooLargeError(`a part is at most ${this.settings.maxPartBytes} bytes (the copy source range is ${size})`);
    }
    return this.uploadPart({ ...input, body: read.body, contentLength: size });
  }

  /**
   * Makes the object from the listed parts: checks every part (ascending
   * numbers, each held with the given ETag, every one but the last at least
   * minPartBytes), then writes the manifest as one version of the object key
   * and ends the upload. Nothing is visible when a check fails.
   *
   * Why the races are safe:
   * - Complete vs DELETE/PUT of the same key: the manifest is one version of
   *   the object key; whichever has the newer timestamp wins everywhere, as
   *   for two PUTs. A manifest that lost leaves its parts unreferenced, and
   *   the GC removes them.
   * - Complete vs the GC: the upload record stays live until after the
   *   manifest is written (record tombstoned last), so at every moment a
   *   part is referenced by the open upload or the manifest; the GC also
   *   waits gcGraceMs after the upload ended before it removes a part, and
   *   Complete gives up (nothing written) when more than half of that passed
   *   since it saw the upload open, so a slow Complete cannot be robbed.
   * - Complete vs Abort: Abort only tombstones the record; parts go through
   *   the same GC, which keeps every part a live manifest references. An
   *   Abort racing a Complete therefore either loses (the object exists,
   *   whole) or wins (no manifest was written: the Complete saw the record
   *   ended and answers NoSuchUpload); it never leaves a manifest whose parts
   *   are gone.
   * @throws NoSuchUploadError, CompleteRejectedError, UnavailableError
   */
  async complete(address: UploadAddress, parts: CompletePart[]): Promise<CompleteAnswer> {
    this.checkName(address);
    if (parts.length === 0) throw new CompleteRejectedError('InvalidPart', 'a Complete must list at least one part');
    if (parts.length > MAX_PART_NUMBER) throw new CompleteRejectedError('InvalidPart', `at most ${MAX_PART_NUMBER} parts`);
    for (let i = 0; i < parts.length; i++) {
      checkPartNumber(parts[i].partNumber);
      if (i > 0 && parts[i].partNumber <= parts[i - 1].partNumber) {
        throw new CompleteRejectedError('InvalidPartOrder', 'the list of parts was not in ascending order; parts must be listed by part number');
      }
    }
    const container = await this.containers.get(address.account, address.container);
    let upload: UploadRecord;
    try {
      upload = await this.uploads.open(address, container);
    } catch (err) {
      // A client that lost the answer of a Complete that succeeded sends it again: answer it the same.
      const done = err instanceof NoSuchUploadError ? await this.alreadyCompleted(address, container, parts) : undefined;
      if (done) return done;
      throw err;
    }
    const openedAt = this.nowMs();
    const found: ManifestPart[] = [];
    // A few parts at a time: up to 10,000 stats, each a quorum read.
    for (let i = 0; i < parts.length; i += 16) {
      found.push(...(await Promise.all(parts.slice(i, i + 16).map((p) => this.heldPart(address, upload.option, p)))));
    }
    found.forEach((p, i) => {
      if (i < found.length - 1 && p.size < this.settings.minPartBytes) {
        throw new CompleteRejectedError('EntityTooSmall', `part ${p.partNumber} is ${p.size} bytes; every part but the last must be at least ${this.settings.minPartBytes}`);
      }
    });
    if (this.nowMs() - openedAt > this.settings.gcGraceMs / 2) {
      throw new UnavailableError('the Complete took too long checking its parts; nothing was written, please retry');
    }
    // The record may have ended meanwhile (an Abort, another Complete): then this Complete lost.
    const current = await this.uploads.newest(address, upload.option);
    if (!current || current.deleted) throw new NoSuchUploadError(address.uploadId);
    const manifest = { uploadId: address.uploadId, parts: found };
    const body = encodeManifest(manifest);
    const summary = summaryOf(manifest);
    const timestamp = this.clock.now();
    const version = {
      timestamp,
      deleted: false,
      option: upload.option,
      size: body.length,
      contentType: upload.contentType,
      userMeta: upload.userMeta,
      ...(upload.objectHeaders ? { objectHeaders: upload.objectHeaders } : {}),
      multipart: summary,
    };
    const placement = this.placements.forObject(address.account, address.container, address.name, upload.option);
    await this.store.write(objectKey(address), version, bodyOf(body), placement.write);
    await this.uploads.end(address, upload.option);
    return { etag: summary.etag, size: summary.size, timestamp, parts: summary.parts };
  }

  /**
   * The object as this upload's Complete made it, when its current version
   * is the manifest of exactly these parts; undefined otherwise.
   */
  private async alreadyCompleted(address: UploadAddress, container: ContainerView, parts: CompletePart[]): Promise<CompleteAnswer | undefined> {
    const plan = this.placements.forObject(address.account, address.container, address.name, container.option).read;
    const got = await this.store.read(objectKey(address), plan);
    if (!got) return undefined;
    if (got.version.deleted || !got.version.multipart || got.version.size > MAX_MANIFEST_BYTES) {
      got.body.destroy();
      return undefined;
    }
    const chunks: Buffer[] = [];
    for await (const c of got.body) chunks.push(c as Buffer);
    let manifest: MultipartManifest;
    try {
      manifest = decodeManifest(Buffer.concat(chunks));
    } catch {
      return undefined;
    }
    const same =
      manifest.uploadId === address.uploadId &&
      manifest.parts.length === parts.length &&
      manifest.parts.every((p, i) => p.partNumber === parts[i].partNumber && p.etag === bareEtag(parts[i].etag));
    if (!same) return undefined;
    const summary = got.version.multipart;
    return { etag: summary.etag, size: summary.size, timestamp: got.version.timestamp, parts: summary.parts };
  }

  /** Ends the upload at once (NoSuchUpload from now on); its parts are removed by the GC after its grace period. */
  async abort(address: UploadAddress): Promise<void> {
    this.checkName(address);
    const container = await this.containers.get(address.account, address.container);
    const upload = await this.uploads.open(address, container);
    await this.uploads.end(address, upload.option);
  }

  /** One page of an open upload's parts, newest version of each, from every member's index. @throws NoSuchUploadError */
  async listParts(address: UploadAddress, query: { partNumberMarker?: number; limit: number }): Promise<PartsPage> {
    this.checkName(address);
    const container = await this.containers.get(address.account, address.container);
    const upload = await this.uploads.open(address, container);
    const prefix = `${address.name}/${address.uploadId}/`;
    const marker = query.partNumberMarker ? partName({ ...address, partNumber: query.partNumberMarker }) : undefined;
    const merged = await mergeListings(this.fetchers(address.account, container, 'part', prefix), { prefix, marker, limit: query.limit }, (e) => e.name);
    this.checkComplete(merged.failed, container);
    const parts = merged.items.flatMap((i) =>
      i.kind === 'entry' ? [{ partNumber: Number(i.name.slice(prefix.length)), etag: i.entry.etag, size: i.entry.size, lastModified: timestampDate(i.entry.timestamp) }] : [],
    );
    const last = parts[parts.length - 1];
    return { upload: { timestamp: upload.timestamp }, parts, truncated: merged.truncated, ...(merged.truncated && last ? { nextPartNumberMarker: last.partNumber } : {}) };
  }

  /**
   * One page of the container's open uploads, in key order (then upload id),
   * from every member's index; `delimiter` rolls keys up into common
   * prefixes as object listings do.
   */
  async listUploads(account: string, containerName: string, query: ListUploadsQuery): Promise<UploadsPage> {
    const container = await this.containers.get(account, containerName);
    const prefix = query.prefix ?? '';
    const delimiter = query.delimiter || undefined;
    // Index names are `<key>/<uploadId>`: after (key, id) exactly, or past every upload of the key.
    // A key marker that is a common prefix (a previous page's NextKeyMarker) skips everything under it.
    let marker = !query.keyMarker
      ? undefined
      : query.uploadIdMarker
        ? `${query.keyMarker}/${query.uploadIdMarker}`
        : delimiter && query.keyMarker.endsWith(delimiter)
          ? `${query.keyMarker}${PAST}`
          : `${query.keyMarker}/${PAST}`;
    const uploads: ListedUpload[] = [];
    const commonPrefixes: string[] = [];
    let truncated = false;
    let lastName: string | undefined;
    let lastListed: ListedUpload | { prefix: string } | undefined;
    for (;;) {
      const merged = await mergeListings(this.fetchers(account, container, 'upload', prefix), { prefix, marker, limit: query.limit + 1 }, (e) => e.name, {
        maxNames: query.limit + 5_000,
      });
      this.checkComplete(merged.failed, container);
      for (const item of merged.items) {
        if (item.kind !== 'entry') continue;
        const cut = item.name.lastIndexOf('/');
        const key = item.name.slice(0, cut);
        const uploadId = item.name.slice(cut + 1);
        const rolled = delimiter ? rollUp(key, prefix, delimiter) : undefined;
        if (rolled !== undefined && commonPrefixes[commonPrefixes.length - 1] === rolled) {
          lastName = `${rolled}${PAST}`;
          continue;
        }
        if (uploads.length + commonPrefixes.length === query.limit) {
          truncated = true;
          break;
        }
        if (rolled !== undefined) {
          commonPrefixes.push(rolled);
          lastListed = { prefix: rolled };
          lastName = `${rolled}${PAST}`;
        } else {
          lastListed = { name: key, uploadId, initiated: timestampDate(item.entry.timestamp) };
          uploads.push(lastListed);
          lastName = item.name;
        }
      }
      if (truncated || !merged.truncated) break;
      // Read on from where the page stopped, or past a rolled-up prefix when that is further: a
      // prefix holding many uploads is skipped by one seek, not walked.
      const stopped = merged.nextMarker;
      marker = stopped === undefined ? lastName : lastName !== undefined && compareNames(lastName, stopped) > 0 ? lastName : stopped;
      if (!marker) break;
    }
    const page: UploadsPage = { uploads, commonPrefixes, truncated };
    if (truncated && lastListed) {
      // S3 clients page on from NextKeyMarker (+ NextUploadIdMarker): after that upload, or past that common prefix.
      if ('prefix' in lastListed) page.nextKeyMarker = lastListed.prefix;
      else {
        page.nextKeyMarker = lastListed.name;
        page.nextUploadIdMarker = lastListed.uploadId;
      }
    }
    return page;
  }

  /** The part as held now, checked against what Complete names. */
  private async heldPart(address: UploadAddress, option: string, wanted: CompletePart): Promise<ManifestPart> {
    const a = { ...address, partNumber: wanted.partNumber };
    const plan = this.placements.forObject(address.account, address.container, partName(a), option).read;
    const held = await this.store.statNewest(partKey(a), plan);
    const etag = bareEtag(wanted.etag);
    if (!held || held.version.deleted) throw new CompleteRejectedError('InvalidPart', `part ${wanted.partNumber} was not uploaded`);
    if (held.version.etag !== etag) throw new CompleteRejectedError('InvalidPart', `part ${wanted.partNumber} has ETag ${held.version.etag}, not ${etag}`);
    return { partNumber: wanted.partNumber, timestamp: held.version.timestamp, size: held.version.size, etag: held.version.etag };
  }

  private fetchers(account: string, container: ContainerView, kind: 'upload' | 'part', prefix: string): PageFetcher[] {
    return this.map.members().map((service) => async (marker: string, limit: number): Promise<IndexEntry[]> => {
      if (!this.registry.usable(service)) throw new Error('unreachable');
      return this.registry.get(service).listObjects(account, container.name, { kind, prefix, marker, limit });
    });
  }

  /** Every record was durable on W services: more than W-1 missing answers could hide one, and a listing must not lie. */
  private checkComplete(failed: number, container: ContainerView): void {
    const w = this.map.option(container.option)?.writeQuorum ?? 1;
    if (failed >= w) throw new UnavailableError('too few agents answered to list the multipart uploads; please retry');
  }

  /** The name's rules, and room for its longest key: a part key (name + upload id + part number). */
  private checkName(address: ObjectAddress): void {
    const problem = objectNameProblem(address.name);
    if (problem) throw new BadRequestError(`object name ${problem}`);
    const longest = Buffer.byteLength(partKey({ ...address, uploadId: 'x'.repeat(UPLOAD_ID_LENGTH), partNumber: 1 }));
    if (longest > this.settings.maxKeyBytes) {
      const room = this.settings.maxKeyBytes - (longest - Buffer.byteLength(address.name));
      throw new BadRequestError(`object name is too long for a multipart upload in this container: at most ${room} bytes`);
    }
  }

  private nowMs(): number {
    return parseTimestamp(this.clock.now()).ms;
  }
}

/** Upload ids are 24 random bytes in base64url. */
const UPLOAD_ID_LENGTH = 32;

function checkPartNumber(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PART_NUMBER) throw new BadRequestError(`part number must be an integer from 1 to ${MAX_PART_NUMBER}`);
}

/** ETags arrive quoted (as S3 answers them) or bare. */
export function bareEtag(etag: string): string {
  const t = etag.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function rollUp(key: string, prefix: string, delimiter: string): string | undefined {
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}

function bodyOf(b: Buffer): Readable {
  return Readable.from([b], { objectMode: false });
}
