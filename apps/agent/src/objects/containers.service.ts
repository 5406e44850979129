import { Injectable } from '@nestjs/common';
import type { ContainerListPage, ContainerView } from '@mcos/common';
import { BadRequestError, ConflictError, NotFoundError, UnavailableError } from '@mcos/common';
import { HybridClock } from '../clock/hybrid-clock';
import { parseTimestamp } from '../clock/timestamp';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { PlacementService } from '../placement/placement.service';
import { ReplicatedStore } from '../replicas/replicated-store';
import { EMPTY_MD5, emptyBody } from '../storage/empty-body';
import { containerKey } from '../storage/object-key';
import type { ReplicaVersion } from '../storage/replica-version';
import { type ContainerListQuery, ListingService } from './listing.service';

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
    private readonly placement: PlacementService,
    private readonly store: ReplicatedStore,
    private readonly listing: ListingService,
    private readonly index: ObjectIndexRepository,
    private readonly clock: HybridClock,
  ) {}

  /** Creates the container, or returns the existing one (`created: false`) when its option matches. */
  async create(account: string, name: string, option?: string): Promise<{ container: ContainerView; created: boolean }> {
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
    return { container: toView(name, version), created: true };
  }

  /** @throws NotFoundError */
  async get(account: string, name: string): Promise<ContainerView> {
    const found = await this.find(account, name);
    if (!found) throw new NotFoundError(`container ${name} not found`);
    return found;
  }

  /** Deletes an empty container. @throws ConflictError when it holds objects. */
  async remove(account: string, name: string): Promise<void> {
    const found = await this.get(account, name);
    if (!(await this.listing.isEmpty(account, found))) {
      throw new ConflictError(`container ${name} is not empty: delete its objects first`);
    }
    const version = { timestamp: this.clock.now(), deleted: true, option: found.option, size: 0, etag: EMPTY_MD5, userMeta: {} };
    await this.writeRecord(containerKey({ account, container: name }), version);
  }

  list(account: string, query: ContainerListQuery): Promise<ContainerListPage> {
    return this.listing.listContainers(account, query);
  }

  /**
   * The container's record: the local copy when it says the container
   * exists (the common case, no network), otherwise the newest among a
   * majority of members, so a container created at another agent while this
   * one was away is still found.
   */
  async find(account: string, name: string): Promise<ContainerView | undefined> {
    const key = containerKey({ account, container: name });
    const local = this.index.get(key);
    if (local && !local.deleted) return toView(name, local);
    const newest = await this.store.statNewest(key, this.placement.forContainers().read);
    if (!newest || newest.version.deleted) return undefined;
    return toView(name, newest.version);
  }

  /**
   * Writes a container record with a majority quorum, then gives the other
   * reachable members a short while to confirm too: agents resolve
   * containers from their local copy, so a create or delete should be
   * everywhere before the user's next request, not only on a majority.
   */
  private async writeRecord(key: string, version: ReplicaVersion): Promise<void> {
    const result = await this.store.write(key, version, emptyBody(), this.placement.forContainers().write);
    await Promise.race([result.allSettled, new Promise((resolve) => setTimeout(resolve, RECORD_SETTLE_MS).unref())]);
  }

  /**
   * Whether an account other than `account` holds a live container named
   * `name`, as this agent's copy of the records knows it (every member
   * keeps every container record). For S3's CreateBucket, whose bucket
   * names are one namespace: a name another user took is
   * BucketAlreadyExists. Walks the container records only (`c/…` keys come
   * before every object key), a page at a time.
   */
  takenByAnother(account: string, name: string): boolean {
    let after = CONTAINER_KEYS;
    for (;;) {
      const page = this.index.scan(after, CONTAINER_SCAN_PAGE);
      for (const e of page) {
        if (!e.key.startsWith(CONTAINER_KEYS)) return false;
        if (e.kind === 'container' && e.container === name && e.account !== account && !e.deleted) return true;
      }
      if (page.length < CONTAINER_SCAN_PAGE) return false;
      after = page[page.length - 1].key;
    }
  }

  private defaultOption(): string {
    const options = this.map.options();
    return options.find((o) => o.name === 'standard')?.name ?? options[0]?.name ?? 'standard';
  }
}

/** Every container record's key starts so (storage/object-key: `c/<account>/<container>`). */
const CONTAINER_KEYS = 'c/';
const CONTAINER_SCAN_PAGE = 1000;

/** How long a container write waits, after its quorum, for the remaining members. */
const RECORD_SETTLE_MS = 2_000;

function toView(name: string, v: Pick<ReplicaVersion, 'option' | 'timestamp'>): ContainerView {
  return { name, option: v.option, createdAt: parseTimestamp(v.timestamp).ms };
}
