import { Injectable } from '@nestjs/common';
import type { ContainerListPage, ContainerView, ObjectListPage } from '@mcos/common';
import { UnavailableError } from '@mcos/common';
import { parseTimestamp, timestampDate } from '../clock/timestamp';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import type { IndexEntry, ListPage } from '../index/index-entry';
import { majority } from '../placement/placement.service';
import type { ReplicaTarget } from '../replicas/replica-target';
import { TargetRegistry } from '../replicas/target-registry';
import { mergeListings, type PageFetcher } from './listing-merge';

/**
 * Names found deleted that one listing page may walk through on top of its
 * limit before it ends early (truncated, nextMarker where it stopped): a
 * page's work stays bounded however many recent deletes the container holds.
 */
export const DEAD_NAMES_PER_PAGE = 5_000;

export interface ObjectListQuery {
  prefix?: string;
  delimiter?: string;
  marker?: string;
  limit: number;
}

export interface ContainerListQuery {
  prefix?: string;
  marker?: string;
  limit: number;
}

/**
 * Listings: a scatter-gather over the member agents' indexes (each through
 * its ReplicaTarget), merged page by page. `complete` is false when enough
 * members failed to answer that an entry could be missing.
 */
@Injectable()
export class ListingService {
  constructor(
    private readonly map: ClusterMapService,
    private readonly registry: TargetRegistry,
  ) {}

  async listObjects(account: string, container: ContainerView, query: ObjectListQuery): Promise<ObjectListPage> {
    const fetchers = this.fetchers((target, page) => target.listObjects(account, container.name, page), query.prefix);
    const merged = await mergeListings(fetchers, query, (e) => e.name, { maxNames: query.limit + DEAD_NAMES_PER_PAGE });
    const writeQuorum = this.map.option(container.option)?.writeQuorum ?? 1;
    const last = merged.items[merged.items.length - 1];
    return {
      objects: merged.items.flatMap((i) =>
        i.kind === 'entry'
          ? [
              {
                name: i.name,
                // A multipart object lists with its own size and ETag, not its manifest's.
                size: i.entry.multipart?.size ?? i.entry.size,
                etag: i.entry.multipart?.etag ?? i.entry.etag,
                lastModified: timestampDate(i.entry.timestamp).toISOString(),
                contentType: i.entry.contentType,
              },
            ]
          : [],
      ),
      subdirs: merged.items.flatMap((i) => (i.kind === 'subdir' ? [i.name] : [])),
      truncated: merged.truncated,
      nextMarker: merged.truncated ? (merged.nextMarker ?? last?.name) : undefined,
      // Every object was durable on at least W services, so fewer than W
      // missing answers cannot hide one.
      complete: merged.failed < writeQuorum,
    };
  }

  async listContainers(account: string, query: ContainerListQuery): Promise<ContainerListPage> {
    const fetchers = this.fetchers((target, page) => target.listContainers(account, page), query.prefix);
    const merged = await mergeListings(fetchers, { prefix: query.prefix, marker: query.marker, limit: query.limit }, (e) => e.container);
    const containers = merged.items.flatMap((i) =>
      i.kind === 'entry' ? [{ name: i.name, option: i.entry.option, createdAt: parseTimestamp(i.entry.timestamp).ms }] : [],
    );
    // Container records are written with a majority: fewer missing answers cannot hide one.
    return { containers, truncated: merged.truncated, complete: merged.failed < majority(fetchers.length) };
  }

  /** @throws UnavailableError when too few agents answered to be sure. */
  async isEmpty(account: string, container: ContainerView): Promise<boolean> {
    // A page may end early on many deletes (bounded work per page): read on until a name or the end.
    let marker: string | undefined;
    for (;;) {
      const page = await this.listObjects(account, container, { limit: 1, marker });
      if (!page.complete) throw new UnavailableError(`too few agents answered to be sure container ${container.name} is empty`);
      if (page.objects.length > 0 || page.subdirs.length > 0) return false;
      if (!page.truncated || !page.nextMarker) return true;
      marker = page.nextMarker;
    }
  }

  /** One page fetcher per member; a member that cannot be reached now fails (and counts as missing). */
  private fetchers(list: (target: ReplicaTarget, page: ListPage) => Promise<IndexEntry[]>, prefix?: string): PageFetcher[] {
    return this.map.members().map((service) => async (marker: string, limit: number) => {
      if (!this.registry.usable(service)) throw new Error('unreachable');
      return list(this.registry.get(service), { prefix, marker, limit });
    });
  }
}
