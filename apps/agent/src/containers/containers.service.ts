import { Injectable } from '@nestjs/common';
import { BadRequestError, ConflictError, NotFoundError, UnavailableError } from '@mcos/common';
import { HybridClock } from '../clock/hybrid-clock';
import { parseTimestamp } from '../clock/timestamp';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { EMPTY_MD5, emptyBody } from '../data-path/empty-body';
import { mergeListings } from '../data-path/listing-merge';
import { ReadPlan, ReplicatedStore, WritePlan } from '../data-path/replicated-store';
import { ReplicaTargets } from '../data-path/replica-targets';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { PeerClient } from '../peers/peer-client';
import type { ReplicaVersion } from '../replicas/replica.types';
import { containerKey } from '../storage/object-key';

export interface ContainerInfo {
  name: string;
  option: string;
  /** ms since epoch of the creation. */
  createdAt: number;
}

export interface ContainerList {
  containers: ContainerInfo[];
  truncated: boolean;
  /** False when too few agents answered to be sure every container is listed. */
  complete: boolean;
}

/** Checks that a container holds no object; injected to avoid a cycle with ObjectsService. */
export abstract class ContainerUsage {
  abstract isEmpty(account: string, container: string): Promise<boolean>;
}

/**
 * Containers: one record per container, replicated to every member service
 * (they are few and every agent needs them on each request), written with a
 * majority quorum and resolved from the local copy first. The option is
 * chosen at creation and never changes.
 */
@Injectable()
export class ContainersService {
  constructor(
    private readonly map: ClusterMapService,
    private readonly store: ReplicatedStore,
    private readonly targets: ReplicaTargets,
    private readonly index: ObjectIndexRepository,
    private readonly peers: PeerClient,
    private readonly clock: HybridClock,
    private readonly usage: ContainerUsage,
  ) {}

  async create(account: string, name: string, option?: string): Promise<{ container: ContainerInfo; created: boolean }> {
    const chosen = option ?? this.defaultOption();
    if (!this.map.option(chosen)) {
      throw new BadRequestError(`option must be one of: ${this.map.options().map((o) => o.name).join(', ')} (got ${JSON.stringify(chosen)})`);
    }
    if (!this.map.ring(chosen)) throw new UnavailableError(`option ${chosen} has no ring yet (too few services for it)`);
    const existing = await this.find(account, name);
    if (existing) {
      if (option !== undefined && existing.option !== option) {
        throw new ConflictError(`container ${name} exists with option ${existing.option}; an option cannot change`);
      }
      return { container: existing, created: false };
    }
    const version = { timestamp: this.clock.now(), deleted: false, option: chosen, size: 0, etag: EMPTY_MD5, userMeta: {} };
    await this.writeRecord(containerKey({ account, container: name }), version);
    return { container: toInfo(name, version), created: true };
  }

  async get(account: string, name: string): Promise<ContainerInfo> {
    const found = await this.find(account, name);
    if (!found) throw new NotFoundError(`container ${name} not found`);
    return found;
  }

  async remove(account: string, name: string): Promise<void> {
    const found = await this.get(account, name);
    if (!(await this.usage.isEmpty(account, name))) {
      throw new ConflictError(`container ${name} is not empty: delete its objects first`);
    }
    const version = { timestamp: this.clock.now(), deleted: true, option: found.option, size: 0, etag: EMPTY_MD5, userMeta: {} };
    await this.writeRecord(containerKey({ account, container: name }), version);
  }

  /**
   * Writes a container record with a majority quorum, then gives the other
   * reachable members a short while to confirm too: agents resolve
   * containers from their local copy, so a create or delete should be
   * everywhere before the user's next request, not only on a majority.
   */
  private async writeRecord(key: string, version: ReplicaVersion): Promise<void> {
    const result = await this.store.write(key, version, emptyBody(), this.writePlan());
    await Promise.race([result.allSettled, new Promise((resolve) => setTimeout(resolve, RECORD_SETTLE_MS).unref())]);
  }

  async list(account: string, query: { prefix?: string; marker?: string; limit: number }): Promise<ContainerList> {
    const members = this.targets.members();
    const fetchers = members.map((service) =>
      service === this.targets.selfName
        ? async (marker: string, limit: number) => this.index.listContainers(account, { prefix: query.prefix, marker, limit })
        : async (marker: string, limit: number) => {
            const info = this.map.service(service)!;
            if (!this.targets.usable(service)) throw new Error('unreachable');
            return this.peers.listContainers(info, { account, prefix: query.prefix, marker, limit });
          },
    );
    const merged = await mergeListings(fetchers, { prefix: query.prefix, marker: query.marker, limit: query.limit }, (e) => e.container);
    const containers = merged.items.flatMap((i) =>
      i.kind === 'entry' ? [{ name: i.name, option: i.entry.option, createdAt: parseTimestamp(i.entry.timestamp).ms }] : [],
    );
    return { containers, truncated: merged.truncated, complete: merged.failed < majority(members.length) };
  }

  /**
   * The container's record: the local copy when it says the container
   * exists (the common case, no network), otherwise the newest among a
   * majority of members, so a container created at another agent while this
   * one was away is still found.
   */
  async find(account: string, name: string): Promise<ContainerInfo | undefined> {
    const key = containerKey({ account, container: name });
    const local = this.index.get(key);
    if (local && !local.deleted) return { name, option: local.option, createdAt: parseTimestamp(local.timestamp).ms };
    const newest = await this.store.statNewest(key, this.readPlan());
    if (!newest || newest.version.deleted) return undefined;
    return toInfo(name, newest.version);
  }

  private defaultOption(): string {
    const options = this.map.options();
    return options.find((o) => o.name === 'standard')?.name ?? options[0]?.name ?? 'standard';
  }

  private writePlan(): WritePlan {
    const members = this.targets.members();
    return { homes: members, spares: [], quorum: majority(members.length) };
  }

  private readPlan(): ReadPlan {
    const members = this.targets.members();
    return { candidates: members, homes: members.length, quorum: majority(members.length) };
  }
}

/** How long a container write waits, after its quorum, for the remaining members. */
const RECORD_SETTLE_MS = 2_000;

function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

function toInfo(name: string, v: Pick<ReplicaVersion, 'option' | 'timestamp'>): ContainerInfo {
  return { name, option: v.option, createdAt: parseTimestamp(v.timestamp).ms };
}
