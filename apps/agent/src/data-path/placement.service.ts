import { UnavailableError } from '@mcos/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import type { IndexEntry } from '../index/index-entry';
import { Placement } from './placement';
import { ReplicaTargets } from './replica-targets';

/**
 * Where keys belong: objects by their option's ring, container records on
 * every member. Shared by the request path and the replicator so both always
 * agree on a key's homes.
 */
export class PlacementService {
  constructor(
    private readonly map: ClusterMapService,
    private readonly targets: ReplicaTargets,
  ) {}

  forObject(account: string, container: string, name: string, optionName: string): Placement {
    const option = this.map.option(optionName);
    const ring = this.map.ring(optionName);
    if (!option || !ring) throw new UnavailableError(`option ${optionName} has no ring in cluster map v${this.map.version}`);
    const partition = ring.partitionOf(account, container, name);
    const primaries = ring.primaries(partition);
    const previousHolders: string[] = [];
    for (const previous of this.map.previousRings(optionName)) {
      for (const s of previous.primaries(previous.partitionOf(account, container, name))) {
        if (!primaries.includes(s) && !previousHolders.includes(s)) previousHolders.push(s);
      }
    }
    return {
      option: option.name,
      partition,
      primaries,
      handoffs: ring.handoffs(partition),
      previousHolders,
      replicas: option.replicas,
      writeQuorum: option.writeQuorum,
      readQuorum: option.readQuorum,
    };
  }

  /** Services that should hold this index entry; undefined when its option has no ring now. */
  homesOf(entry: IndexEntry): string[] | undefined {
    if (entry.kind === 'container') return this.targets.members();
    const ring = this.map.ring(entry.option);
    return ring?.primaries(ring.partitionOf(entry.account, entry.container, entry.name));
  }
}
