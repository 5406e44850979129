import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ContainerView, ObjectListPage, ObjectStat, PartReport, PutObjectAnswer, ReplicaReport, ReplicaState } from '@mcos/common';
import {
  BadRequestError,
  NotFoundError,
  objectNameProblem,
  PayloadTooLargeError,
  PreconditionFailedError,
  RangeNotSatisfiableError,
  UnavailableError,
} from '@mcos/common';
import { HybridClock } from '../clock/hybrid-clock';
import { timestampDate } from '../clock/timestamp';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { type ObjectPlacement, PlacementService } from '../placement/placement.service';
import { type ReadPlan, ReplicatedStore } from '../replicas/replicated-store';
import { CorruptReplicaReporter } from '../repair/corrupt-replica-reporter';
import { EMPTY_MD5, emptyBody } from '../storage/empty-body';
import { decodeManifest, type MultipartManifest, offsetOf, type PartSlice, slicesOf } from '../storage/multipart-manifest';
import { type ObjectAddress, objectKey, partKey, partName } from '../storage/object-key';
import type { ByteRange, ReplicaVersion, ServedRange } from '../storage/replica-version';
import { inlineMd5, MD5_SOURCE, type Md5Source } from '../streams/md5';
import { verifyMd5 } from '../streams/verify-md5';
import { ContainersService } from './containers.service';
import { checkObjectMetadata, limitBody } from './object-rules';
import { type ObjectListQuery, ListingService } from './listing.service';

/** DI token of the ObjectLimits. */
export const OBJECT_LIMITS = Symbol('ObjectLimits');

export interface ObjectLimits {
  /** Largest body accepted (the agent's `maxObjectBytes`). */
  maxObjectBytes: number;
  /** Longest backend key the backend takes: bounds the object name's length. */
  maxKeyBytes: number;
}

export interface PutObjectInput extends ObjectAddress {
  body: Readable;
  /** The body's length when the client sent one (else it is streamed to the end). */
  contentLength?: number;
  contentType?: string;
  userMetadata: Record<string, string>;
  /** Representation headers kept with the version (S3's Content-Encoding, Content-Disposition, Cache-Control, Expires). */
  objectHeaders?: Record<string, string>;
  /** `*`: create only, fail when a live version exists. */
  ifNoneMatch?: '*';
  /** Called when a body without Content-Length passes maxObjectBytes (the door closes the connection). */
  onTooLarge?: () => void;
}

/** A byte range to read: both ends (end inclusive, open when absent), or the last `suffix` bytes. */
export type ObjectRange = ByteRange | { suffix: number };

export interface GetObjectInput extends ObjectAddress {
  range?: ObjectRange;
  /** S3's `partNumber`: only that part of a multipart object (1 for the whole of another object). Not with `range`. */
  partNumber?: number;
}

/** The newest version's description and the service that answered. */
export interface ObjectHead {
  version: ReplicaVersion;
  servedBy: string;
}

/** An object opened for reading; `range` is set when a range was served (the whole size is `version.size`). */
export interface ObjectRead extends ObjectHead {
  body: Readable;
  range?: ServedRange;
  /** Set when a part was asked for (`partNumber`): how many parts the object has (1 for an ordinary object). */
  partsCount?: number;
}

/**
 * The user's object operations, whatever door they come through. Checks the
 * name and size before any byte is stored, resolves container -> placement,
 * then lets ReplicatedStore do the quorum writes and reads.
 */
@Injectable()
export class ObjectsService {
  constructor(
    private readonly containers: ContainersService,
    private readonly placements: PlacementService,
    private readonly store: ReplicatedStore,
    private readonly listing: ListingService,
    private readonly map: ClusterMapService,
    private readonly clock: HybridClock,
    private readonly corrupt: CorruptReplicaReporter,
    @Inject(OBJECT_LIMITS) private readonly limits: ObjectLimits,
    @Inject(MD5_SOURCE) private readonly md5: Md5Source = inlineMd5,
  ) {}

  /**
   * Stores a new version on W homes (handoffs for unusable ones) and answers;
   * the other replicas finish in the background.
   * @throws PayloadTooLargeError, PreconditionFailedError (ifNoneMatch), UnavailableError (no quorum)
   */
  async put(input: PutObjectInput): Promise<PutObjectAnswer> {
    // Every limit before any work: nothing is looked up, no byte moves, for a request that breaks one.
    checkName(input.name);
    if (input.contentLength !== undefined && input.contentLength > this.limits.maxObjectBytes) {
      throw new PayloadTooLargeError(`object is ${input.contentLength} bytes; the largest accepted is ${this.limits.maxObjectBytes}`);
    }
    checkObjectMetadata(input.contentType, input.userMetadata);
    const key = this.keyOf(input);
    const container = await this.containers.get(input.account, input.container);
    const placement = this.placement(input, container);
    if (input.ifNoneMatch === '*') {
      const existing = await this.store.statNewest(key, placement.read);
      if (existing && !existing.version.deleted) throw new PreconditionFailedError(`object ${input.name} already exists (If-None-Match: *)`);
    }
    const timestamp = this.clock.now();
    const version = {
      timestamp,
      deleted: false,
      option: placement.option,
      size: input.contentLength,
      contentType: input.contentType,
      userMeta: input.userMetadata,
      ...(input.objectHeaders && Object.keys(input.objectHeaders).length > 0 ? { objectHeaders: input.objectHeaders } : {}),
    };
    // Without a Content-Length the size is only known at the end: count it as it streams.
    const body = input.contentLength === undefined ? limitBody(input.body, this.limits.maxObjectBytes, input.onTooLarge) : input.body;
    const result = await this.store.write(key, version, body, placement.write);
    const durable = new Set(result.outcomes.filter((o) => o.ok).map((o) => o.service));
    const onPrimaries = placement.primaries.filter((s) => durable.has(s)).length;
    return {
      etag: result.etag,
      size: result.size,
      timestamp,
      state: onPrimaries === placement.replicas ? 'CREATED' : 'CREATING',
      replicas: [...new Set([...placement.primaries, ...durable])].map((service) => ({ service, durable: durable.has(service) })),
    };
  }

  /**
   * Opens the newest version for reading. Whole objects are checked against
   * their ETag: small ones (<= 1 MiB) before the answer starts, so a corrupt
   * replica is skipped and the next holder serves; larger ones while
   * streaming (see verifyMd5), so a corrupt replica is never delivered whole.
   * Either way the corrupt replica is reported for repair.
   * @throws NotFoundError, UnavailableError
   */
  async get(input: GetObjectInput): Promise<ObjectRead> {
    checkName(input.name);
    let range: ByteRange | undefined;
    if (input.range && 'suffix' in input.range) {
      const { version } = await this.head(input);
      range = { start: Math.max(0, version.size - input.range.suffix), end: version.size - 1 };
    } else {
      range = input.range;
    }
    const container = await this.containers.get(input.account, input.container);
    const key = this.keyOf(input);
    const plan = this.placement(input, container).read;
    let got: ObjectRead;
    try {
      got = await this.readVerified(key, plan, range, input.name);
    } catch (err) {
      // A range past the end of a manifest's own (small) body: the object may still be a multipart one.
      if (!range || !isRangeError(err)) throw err;
      const whole = await this.readVerified(key, plan, undefined, input.name);
      if (!whole.version.multipart) {
        whole.body.destroy();
        throw err;
      }
      got = whole;
    }
    if (!got.version.multipart) {
      if (input.partNumber === undefined || input.partNumber === 1) return input.partNumber === undefined ? got : { ...got, partsCount: 1 };
      got.body.destroy();
      throw new RangeNotSatisfiableError(`object ${input.name} has 1 part, not ${input.partNumber}`);
    }
    if (got.range) {
      // A ranged read opened the manifest's bytes, not the object's: read the whole manifest.
      got.body.destroy();
      got = await this.readVerified(key, plan, undefined, input.name);
      if (!got.version.multipart) throw new UnavailableError(`object ${input.name} changed while it was read; please retry`);
    }
    return this.readMultipart(input, got, range);
  }

  /**
   * Opens a multipart object: its manifest says which part versions make it;
   * the parts are read in order from their nearest holders, each one checked
   * like an object read (whole parts against their MD5; ranges unchecked, as
   * for any ranged read), the first one opened before answering so a missing
   * part is an error status, not a cut body.
   */
  private async readMultipart(input: GetObjectInput, got: ObjectRead, range: ByteRange | undefined): Promise<ObjectRead> {
    let manifest: MultipartManifest;
    try {
      manifest = decodeManifest(await readSmall(got.body));
    } catch (err) {
      throw new UnavailableError(`the manifest of ${input.name} cannot be read: ${(err as Error).message}`, { cause: err });
    }
    const summary = got.version.multipart!;
    // The door sees the object, not its manifest: its size and multipart ETag.
    const version: ReplicaVersion = { ...got.version, size: summary.size, etag: summary.etag };
    let start: number;
    let end: number;
    let partsCount: number | undefined;
    if (input.partNumber !== undefined) {
      const index = manifest.parts.findIndex((p) => p.partNumber === input.partNumber);
      if (index < 0 || input.partNumber > manifest.parts.length) {
        throw new RangeNotSatisfiableError(`object ${input.name} has ${manifest.parts.length} parts, not part ${input.partNumber}`);
      }
      start = offsetOf(manifest, index);
      end = start + manifest.parts[index].size - 1;
      partsCount = manifest.parts.length;
    } else if (range) {
      if (range.start >= summary.size) throw new RangeNotSatisfiableError(`range starts at ${range.start}, object ${input.name} is ${summary.size} bytes`);
      start = range.start;
      end = Math.min(range.end ?? summary.size - 1, summary.size - 1);
    } else {
      start = 0;
      end = summary.size - 1;
    }
    const slices = slicesOf(manifest, start, end);
    const open = (i: number) => this.openPart(input, got.version.option, manifest, slices[i]);
    const first = slices.length > 0 ? await open(0) : Readable.from([], { objectMode: false });
    async function* parts(): AsyncGenerator<Buffer> {
      for (let i = 0; i < slices.length; i++) {
        const body = i === 0 ? first : await open(i);
        for await (const chunk of body) yield chunk as Buffer;
      }
    }
    const body = Readable.from(parts(), { objectMode: false });
    // The first part was opened before answering: release it even when nobody reads (HEAD, a client gone).
    body.once('close', () => first.destroy());
    const read: ObjectRead = { version, servedBy: got.servedBy, body };
    if (range || input.partNumber !== undefined) read.range = { start, end };
    if (partsCount !== undefined) read.partsCount = partsCount;
    return read;
  }

  /** One part's bytes (a slice of them), from the exact version the manifest names. */
  private async openPart(object: ObjectAddress, option: string, manifest: MultipartManifest, slice: PartSlice): Promise<Readable> {
    const part = manifest.parts[slice.index];
    const address = { ...object, uploadId: manifest.uploadId, partNumber: part.partNumber };
    const key = partKey(address);
    const plan = this.placements.forObject(object.account, object.container, partName(address), option).read;
    const whole = slice.start === 0 && slice.end === part.size - 1;
    const got = await this.readVerified(key, plan, whole ? undefined : { start: slice.start, end: slice.end }, `${object.name} part ${part.partNumber}`);
    if (got.version.timestamp !== part.timestamp || got.version.etag !== part.etag) {
      got.body.destroy();
      throw new UnavailableError(`part ${part.partNumber} of ${object.name} is not the version its manifest names`);
    }
    return got.body;
  }

  /**
   * The newest version of a key opened for reading, whole reads checked
   * against the stored ETag (see get): a corrupt replica is skipped when
   * small and cut short when large, and reported either way.
   */
  private async readVerified(key: string, plan: ReadPlan, range: ByteRange | undefined, what: string): Promise<ObjectRead> {
    for (;;) {
      const got = await this.store.read(key, plan, range);
      if (!got || got.version.deleted) {
        got?.body.destroy();
        throw new NotFoundError(`object ${what} not found`);
      }
      const read: Omit<ObjectRead, 'body'> = { version: got.version, servedBy: got.servedBy };
      if (got.range) read.range = got.range;
      if (range) return { ...read, body: got.body };
      if (got.version.size > VERIFY_BEFORE_SENDING_BYTES) {
        const body = got.body.pipe(verifyMd5(got.version.etag, () => this.corrupt.report(got.servedBy, key), this.md5(got.version.size)));
        got.body.on('error', (err) => body.destroy(err));
        // A reader that stops early (client gone, HEAD of a part) must release the replica's file or socket too.
        body.once('close', () => got.body.destroy());
        return { ...read, body };
      }
      const bytes = await readSmall(got.body);
      if (md5Hex(bytes) === got.version.etag) return { ...read, body: Readable.from([bytes], { objectMode: false }) };
      this.corrupt.report(got.servedBy, key);
      plan.candidates = plan.candidates.filter((s) => s !== got.servedBy);
      if (plan.candidates.length === 0) throw new UnavailableError(`no intact replica of ${what} could be read`);
    }
  }

  /** The newest version (Rq answers compared). @throws NotFoundError */
  async head(address: ObjectAddress): Promise<ObjectHead> {
    checkName(address.name);
    const container = await this.containers.get(address.account, address.container);
    const key = this.keyOf(address);
    const newest = await this.store.statNewest(key, this.placement(address, container).read);
    if (!newest || newest.version.deleted) throw new NotFoundError(`object ${address.name} not found`);
    return { version: objectVersion(newest.version), servedBy: newest.holders[0] };
  }

  /** Writes a tombstone on the primaries, so an away replica cannot bring the object back. @throws NotFoundError */
  async delete(address: ObjectAddress): Promise<void> {
    checkName(address.name);
    const container = await this.containers.get(address.account, address.container);
    const key = this.keyOf(address);
    const placement = this.placement(address, container);
    const newest = await this.store.statNewest(key, placement.read);
    if (!newest || newest.version.deleted) throw new NotFoundError(`object ${address.name} not found`);
    const tombstone = { timestamp: this.clock.now(), deleted: true, option: placement.option, size: 0, etag: EMPTY_MD5, userMeta: {} };
    await this.store.write(key, tombstone, emptyBody(), placement.write);
  }

  /** Every holder's view of the object and its replica state (and of each part's, for a multipart object). @throws NotFoundError */
  async stat(address: ObjectAddress): Promise<ObjectStat> {
    checkName(address.name);
    const container = await this.containers.get(address.account, address.container);
    const key = this.keyOf(address);
    const p = this.placement(address, container);
    const report = await this.replicaReports(key, p);
    const newest = report?.newest;
    if (!report || !newest || newest.deleted) throw new NotFoundError(`object ${address.name} not found`);
    const stat: ObjectStat = {
      container: address.container,
      name: address.name,
      size: newest.multipart?.size ?? newest.size,
      etag: newest.multipart?.etag ?? newest.etag,
      contentType: newest.contentType,
      userMeta: newest.userMeta,
      timestamp: newest.timestamp,
      lastModified: timestampDate(newest.timestamp).toISOString(),
      option: p.option,
      partition: p.partition,
      state: report.state,
      replicas: report.replicas,
    };
    if (newest.multipart) stat.parts = await this.partReports(address, p, key, newest);
    return stat;
  }

  /** Each part of a manifest with where its replicas are; `current` means holding the version the manifest names. */
  private async partReports(address: ObjectAddress, p: ObjectPlacement, key: string, newest: ReplicaVersion): Promise<PartReport[]> {
    const option = p.option;
    const got = await this.readVerified(key, p.read, undefined, address.name);
    if (got.version.timestamp !== newest.timestamp) {
      got.body.destroy();
      throw new UnavailableError(`object ${address.name} changed while it was looked at; please retry`);
    }
    const manifest = decodeManifest(await readSmall(got.body));
    const out: PartReport[] = [];
    // A few parts at a time: a 10,000-part object must not open 10,000 stats at once.
    for (let i = 0; i < manifest.parts.length; i += 16) {
      const batch = manifest.parts.slice(i, i + 16);
      out.push(
        ...(await Promise.all(
          batch.map(async (part) => {
            const a = { ...address, uploadId: manifest.uploadId, partNumber: part.partNumber };
            const placement = this.placements.forObject(address.account, address.container, partName(a), option);
            const report = await this.replicaReports(partKey(a), placement, part.timestamp);
            return {
              partNumber: part.partNumber,
              size: part.size,
              etag: part.etag,
              partition: placement.partition,
              state: report?.state ?? 'DEGRADED',
              replicas: report?.replicas ?? [],
            } satisfies PartReport;
          }),
        )),
      );
    }
    return out;
  }

  /**
   * Every holder's answer for a key: which replicas hold the newest version
   * (or `expected`, when given) and the key's replica state; undefined when
   * nobody holds it.
   */
  private async replicaReports(
    key: string,
    p: ObjectPlacement,
    expected?: string,
  ): Promise<{ newest: ReplicaVersion; state: ReplicaState; replicas: ReplicaReport[] } | undefined> {
    const roles = new Map<string, ReplicaReport['role']>();
    for (const s of p.handoffs.slice(0, p.replicas)) roles.set(s, 'handoff');
    for (const s of p.previousHolders) roles.set(s, 'previous');
    for (const s of p.primaries) roles.set(s, 'primary');
    const answers = await this.store.statEach(key, [...roles.keys()]);
    const versions = answers.flatMap((a) => (a.version ? [a.version] : []));
    if (versions.length === 0) return undefined;
    const newest = versions.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
    const current = expected ?? newest.timestamp;
    const replicas: ReplicaReport[] = answers
      .map((a) => ({
        service: a.service,
        region: this.map.service(a.service)?.region,
        role: roles.get(a.service)!,
        state: a.error ? 'unreachable' : !a.version ? 'missing' : a.version.timestamp === current ? 'current' : 'stale',
        timestamp: a.version?.timestamp,
      }) satisfies ReplicaReport)
      .filter((r) => r.role === 'primary' || r.state === 'current' || r.state === 'stale');
    const primaries = replicas.filter((r) => r.role === 'primary');
    const state: ReplicaState = primaries.every((r) => r.state === 'current')
      ? 'CREATED'
      : primaries.some((r) => r.state === 'unreachable')
        ? 'DEGRADED'
        : 'CREATING';
    return { newest, state, replicas };
  }

  /** One page of the container's objects, merged from every member's index. @throws NotFoundError (container) */
  async list(account: string, containerName: string, query: ObjectListQuery): Promise<ObjectListPage> {
    const container = await this.containers.get(account, containerName);
    return this.listing.listObjects(account, container, query);
  }

  private keyOf(address: ObjectAddress): string {
    const key = objectKey(address);
    const bytes = Buffer.byteLength(key);
    if (bytes > this.limits.maxKeyBytes) {
      const room = this.limits.maxKeyBytes - (bytes - Buffer.byteLength(address.name));
      throw new BadRequestError(`object name is too long: at most ${room} bytes in this container (got ${Buffer.byteLength(address.name)})`);
    }
    return key;
  }

  private placement(address: ObjectAddress, container: ContainerView): ObjectPlacement {
    return this.placements.forObject(address.account, container.name, address.name, container.option);
  }
}

/** What the doors see of a version: a multipart object's own size and ETag rather than its manifest's. */
export function objectVersion(v: ReplicaVersion): ReplicaVersion {
  return v.multipart ? { ...v, size: v.multipart.size, etag: v.multipart.etag } : v;
}

/** The range cannot be served (see ReplicaTarget.read). */
function isRangeError(err: unknown): boolean {
  return (err as { code?: string }).code === 'INVALID_RANGE';
}

/** Whole objects up to this size are verified before the answer starts. */
const VERIFY_BEFORE_SENDING_BYTES = 1 << 20;

function checkName(name: string): void {
  const problem = objectNameProblem(name);
  if (problem) throw new BadRequestError(`object name ${problem}`);
}

async function readSmall(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function md5Hex(b: Buffer): string {
  return createHash('md5').update(b).digest('hex');
}
