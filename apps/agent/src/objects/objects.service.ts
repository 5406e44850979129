import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  BadRequestError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  UnavailableError,
} from '@mcos/common';
import { HybridClock } from '../clock/hybrid-clock';
import { parseTimestamp } from '../clock/timestamp';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { ContainerInfo, ContainersService, ContainerUsage } from '../containers/containers.service';
import { EMPTY_MD5, emptyBody } from '../data-path/empty-body';
import { mergeListings } from '../data-path/listing-merge';
import { Placement } from '../data-path/placement';
import { PlacementService } from '../data-path/placement.service';
import { ReadPlan, ReplicatedStore, WritePlan } from '../data-path/replicated-store';
import { ReplicaTargets } from '../data-path/replica-targets';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { PeerClient } from '../peers/peer-client';
import type { ByteRange, ReplicaVersion } from '../replicas/replica.types';
import { objectKey } from '../storage/object-key';
import { CorruptReplicaReporter } from '../replication/corrupt-replica-reporter';
import { inlineMd5, type Md5Source } from '../streams/md5';
import { verifyMd5 } from '../streams/verify-md5';

export type ReplicaState = 'CREATING' | 'CREATED' | 'DEGRADED';

export interface PutObjectInput {
  body: Readable;
  /** Content-Length when the client sent one. */
  size?: number;
  contentType?: string;
  userMeta: Record<string, string>;
  /** If-None-Match: * — create only. */
  createOnly: boolean;
}

export interface PutObjectResult {
  etag: string;
  size: number;
  timestamp: string;
  state: ReplicaState;
  replicas: { service: string; durable: boolean }[];
}

export interface ObjectRead {
  version: ReplicaVersion;
  body: Readable;
  servedBy: string;
  contentRange?: string;
}

export interface ReplicaReport {
  service: string;
  region?: string;
  role: 'primary' | 'previous' | 'handoff';
  state: 'current' | 'stale' | 'missing' | 'unreachable';
  timestamp?: string;
}

export interface ObjectStat {
  container: string;
  name: string;
  size: number;
  etag: string;
  contentType?: string;
  userMeta: Record<string, string>;
  timestamp: string;
  lastModified: string;
  option: string;
  partition: number;
  state: ReplicaState;
  replicas: ReplicaReport[];
}

export interface ObjectListQuery {
  prefix?: string;
  delimiter?: string;
  marker?: string;
  limit: number;
}

export interface ObjectList {
  objects: { name: string; size: number; etag: string; lastModified: string; contentType?: string }[];
  subdirs: string[];
  truncated: boolean;
  nextMarker?: string;
  /** False when too few agents answered to be sure the listing is complete. */
  complete: boolean;
}

/**
 * The user's object operations. Resolves container -> option -> ring ->
 * placement, then lets ReplicatedStore do quorum writes and reads. Names
 * and sizes are checked before any byte is stored.
 */
@Injectable()
export class ObjectsService implements ContainerUsage {
  private readonly logger = new Logger(ObjectsService.name);

  constructor(
    private readonly map: ClusterMapService,
    private readonly containers: ContainersService,
    private readonly store: ReplicatedStore,
    private readonly targets: ReplicaTargets,
    private readonly index: ObjectIndexRepository,
    private readonly peers: PeerClient,
    private readonly clock: HybridClock,
    private readonly placements: PlacementService,
    private readonly corrupt: CorruptReplicaReporter,
    private readonly limits: { maxObjectBytes: number; maxKeyBytes: number },
    private readonly md5: Md5Source = inlineMd5,
  ) {}

  async put(account: string, containerName: string, name: string, input: PutObjectInput): Promise<PutObjectResult> {
    const container = await this.containers.get(account, containerName);
    const key = this.keyOf(account, containerName, name);
    if (input.size !== undefined && input.size > this.limits.maxObjectBytes) {
      throw new PayloadTooLargeError(`object is ${input.size} bytes; the largest accepted is ${this.limits.maxObjectBytes}`);
    }
    const placement = this.placement(account, container, name);
    if (input.createOnly) {
      const existing = await this.store.statNewest(key, readPlan(placement));
      if (existing && !existing.version.deleted) throw new PreconditionFailedError(`object ${name} already exists (If-None-Match: *)`);
    }
    const timestamp = this.clock.now();
    const result = await this.store.write(
      key,
      { timestamp, deleted: false, option: placement.option, size: input.size, contentType: input.contentType, userMeta: input.userMeta },
      input.body,
      writePlan(placement),
    );
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
   */
  async get(account: string, containerName: string, name: string, range?: ByteRange): Promise<ObjectRead> {
    const container = await this.containers.get(account, containerName);
    const key = this.keyOf(account, containerName, name);
    const plan = readPlan(this.placement(account, container, name));
    for (;;) {
      const got = await this.store.read(key, plan, range);
      if (!got || got.version.deleted) {
        got?.body.destroy();
        throw new NotFoundError(`object ${name} not found`);
      }
      const read = { version: got.version, servedBy: got.servedBy, contentRange: got.contentRange };
      if (range) return { ...read, body: got.body };
      if (got.version.size > VERIFY_BEFORE_SENDING_BYTES) {
        const body = got.body.pipe(verifyMd5(got.version.etag, () => this.corrupt.report(got.servedBy, key), this.md5(got.version.size)));
        got.body.on('error', (err) => body.destroy(err));
        return { ...read, body };
      }
      const bytes = await readSmall(got.body);
      if (md5Hex(bytes) === got.version.etag) return { ...read, body: Readable.from([bytes], { objectMode: false }) };
      this.corrupt.report(got.servedBy, key);
      plan.candidates = plan.candidates.filter((s) => s !== got.servedBy);
      if (plan.candidates.length === 0) throw new UnavailableError(`no intact replica of ${name} could be read`);
    }
  }

  async head(account: string, containerName: string, name: string): Promise<{ version: ReplicaVersion; servedBy: string }> {
    const container = await this.containers.get(account, containerName);
    const key = this.keyOf(account, containerName, name);
    const newest = await this.store.statNewest(key, readPlan(this.placement(account, container, name)));
    if (!newest || newest.version.deleted) throw new NotFoundError(`object ${name} not found`);
    return { version: newest.version, servedBy: newest.holders[0] };
  }

  /** Writes a tombstone on the primaries, so an away replica cannot bring the object back. */
  async delete(account: string, containerName: string, name: string): Promise<void> {
    const container = await this.containers.get(account, containerName);
    const key = this.keyOf(account, containerName, name);
    const placement = this.placement(account, container, name);
    const newest = await this.store.statNewest(key, readPlan(placement));
    if (!newest || newest.version.deleted) throw new NotFoundError(`object ${name} not found`);
    const tombstone = { timestamp: this.clock.now(), deleted: true, option: placement.option, size: 0, etag: EMPTY_MD5, userMeta: {} };
    await this.store.write(key, tombstone, emptyBody(), writePlan(placement));
  }

  async stat(account: string, containerName: string, name: string): Promise<ObjectStat> {
    const container = await this.containers.get(account, containerName);
    const key = this.keyOf(account, containerName, name);
    const p = this.placement(account, container, name);
    const roles = new Map<string, ReplicaReport['role']>();
    for (const s of p.handoffs.slice(0, p.replicas)) roles.set(s, 'handoff');
    for (const s of p.previousHolders) roles.set(s, 'previous');
    for (const s of p.primaries) roles.set(s, 'primary');
    const answers = await this.store.statEach(key, [...roles.keys()]);
    const versions = answers.flatMap((a) => (a.version ? [a.version] : []));
    if (versions.length === 0) throw new NotFoundError(`object ${name} not found`);
    const newest = versions.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
    if (newest.deleted) throw new NotFoundError(`object ${name} not found`);
    const replicas: ReplicaReport[] = answers
      .map((a) => ({
        service: a.service,
        region: this.map.service(a.service)?.region,
        role: roles.get(a.service)!,
        state: a.error ? 'unreachable' : !a.version ? 'missing' : a.version.timestamp === newest.timestamp ? 'current' : 'stale',
        timestamp: a.version?.timestamp,
      }) satisfies ReplicaReport)
      .filter((r) => r.role === 'primary' || r.state === 'current' || r.state === 'stale');
    const primaries = replicas.filter((r) => r.role === 'primary');
    const state: ReplicaState = primaries.every((r) => r.state === 'current')
      ? 'CREATED'
      : primaries.some((r) => r.state === 'unreachable')
        ? 'DEGRADED'
        : 'CREATING';
    return {
      container: containerName,
      name,
      size: newest.size,
      etag: newest.etag,
      contentType: newest.contentType,
      userMeta: newest.userMeta,
      timestamp: newest.timestamp,
      lastModified: new Date(parseTimestamp(newest.timestamp).ms).toISOString(),
      option: p.option,
      partition: p.partition,
      state,
      replicas,
    };
  }

  async list(account: string, containerName: string, query: ObjectListQuery): Promise<ObjectList> {
    const container = await this.containers.get(account, containerName);
    const members = this.targets.members();
    const fetchers = members.map((service) =>
      service === this.targets.selfName
        ? async (marker: string, limit: number) => this.index.listObjects(account, containerName, { prefix: query.prefix, marker, limit })
        : async (marker: string, limit: number) => {
            if (!this.targets.usable(service)) throw new Error('unreachable');
            const info = this.map.service(service)!;
            return this.peers.listObjects(info, { account, container: containerName, prefix: query.prefix, marker, limit });
          },
    );
    const merged = await mergeListings(fetchers, query, (e) => e.name);
    const writeQuorum = this.map.option(container.option)?.writeQuorum ?? 1;
    const last = merged.items[merged.items.length - 1];
    return {
      objects: merged.items.flatMap((i) =>
        i.kind === 'entry'
          ? [
              {
                name: i.name,
                size: i.entry.size,
                etag: i.entry.etag,
                lastModified: new Date(parseTimestamp(i.entry.timestamp).ms).toISOString(),
                contentType: i.entry.contentType,
              },
            ]
          : [],
      ),
      subdirs: merged.items.flatMap((i) => (i.kind === 'subdir' ? [i.name] : [])),
      truncated: merged.truncated,
      nextMarker: merged.truncated ? last?.name : undefined,
      // Every object was durable on at least W services, so fewer than W
      // missing answers cannot hide one.
      complete: merged.failed < writeQuorum,
    };
  }

  async isEmpty(account: string, container: string): Promise<boolean> {
    const page = await this.list(account, container, { limit: 1 });
    if (!page.complete) throw new UnavailableError(`too few agents answered to be sure container ${container} is empty`);
    return page.objects.length === 0 && page.subdirs.length === 0;
  }

  private keyOf(account: string, container: string, name: string): string {
    const key = objectKey({ account, container, name });
    const bytes = Buffer.byteLength(key);
    if (bytes > this.limits.maxKeyBytes) {
      const room = this.limits.maxKeyBytes - (bytes - Buffer.byteLength(name));
      throw new BadRequestError(`object name is too long: at most ${room} bytes in this container (got ${Buffer.byteLength(name)})`);
    }
    return key;
  }

  private placement(account: string, container: ContainerInfo, name: string): Placement {
    return this.placements.forObject(account, container.name, name, container.option);
  }
}

/** Whole objects up to this size are verified before the answer starts. */
const VERIFY_BEFORE_SENDING_BYTES = 1 << 20;

async function readSmall(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function md5Hex(b: Buffer): string {
  return createHash('md5').update(b).digest('hex');
}

function writePlan(p: Placement): WritePlan {
  return { homes: p.primaries, spares: p.handoffs, quorum: p.writeQuorum };
}

function readPlan(p: Placement): ReadPlan {
  const candidates = [...p.primaries, ...p.previousHolders, ...p.handoffs.slice(0, p.replicas)];
  return { candidates: [...new Set(candidates)], homes: p.primaries.length, quorum: p.readQuorum };
}
