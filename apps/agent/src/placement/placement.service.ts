import { Injectable } from '@nestjs/common';
import { UnavailableError } from '@mcos/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import type { IndexEntry } from '../index/index-entry';
import type { ReadPlan, WritePlan } from '../replicas/replicated-store';

/** Where one object's replicas belong, resolved from its option's ring, with the plans to write and read it. */
export interface ObjectPlacement {
  option: string;
  partition: number;
  /** R: how many replicas the option keeps. */
  replicas: number;
  /** The R services that should hold the object, in ring order. */
  primaries: string[];
  /** Other services to use, in order, when a primary cannot take a write. */
  handoffs: string[];
  /** Holders under the option's previous rings that are not primaries now (reads during migration). */
  previousHolders: string[];
  /** The primaries, handoffs as spares, W durable answers. */
  write: WritePlan;
  /** Primaries first, then previous holders, then the first R handoffs; Rq answers compared. */
  read: ReadPlan;
}

/** Where container records belong: every member, written and read with a majority. */
export interface ContainerPlacement {
  members: string[];
  write: WritePlan;
  read: ReadPlan;
}

/**
 * Where keys belong: objects by their option's ring, container records on
 * every member. Shared by the request path and the replicator so both always
 * agree on a key's homes.
 */
@Injectable()
export class PlacementService {
  constructor(private readonly map: ClusterMapService) {}

  /** @throws UnavailableError when the option has no ring in the held map. */
  forObject(account: string, container: string, name: string, optionName: string): ObjectPlacement {
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
    const handoffs = ring.handoffs(partition);
    const candidates = [...new Set([...primaries, ...previousHolders, ...handoffs.slice(0, option.replicas)])];
    return {
      option: option.name,
      partition,
      replicas: option.replicas,
      primaries,
      handoffs,
      previousHolders,
      write: { homes: primaries, spares: handoffs, quorum: option.writeQuorum },
      read: { candidates, homes: primaries.length, quorum: option.readQuorum },
    };
  }

  forContainers(): ContainerPlacement {
    const members = this.map.members();
    const quorum = majority(members.length);
    return {
      members,
      write: { homes: members, spares: [], quorum },
      read: { candidates: members, homes: members.length, quorum },
    };
  }

  /** Services that should hold this index entry; undefined when its option has no ring now. */
  homesOf(entry: IndexEntry): string[] | undefined {
    if (entry.kind === 'container') return this.map.members();
    const ring = this.map.ring(entry.option);
    return ring?.primaries(ring.partitionOf(entry.account, entry.container, entry.name));
  }
}

export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}
