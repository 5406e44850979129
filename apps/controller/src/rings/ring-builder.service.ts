import { Injectable } from '@nestjs/common';
import { ConflictError } from '@mcos/common';
import { buildRing, diffRings, MAX_PARTITION_POWER, MIN_PARTITION_POWER, Ring, RingInputError } from '@mcos/ring';
import type { RingMember, RingMovement, StoredRing } from './stored-ring';

/** The partition powers the ring library accepts. */
export const PARTITION_POWER_RANGE = { min: MIN_PARTITION_POWER, max: MAX_PARTITION_POWER } as const;

export interface RingBuildRequest {
  option: string;
  replicas: number;
  partitionPower: number;
  members: RingMember[];
  version: number;
  createdAt: number;
  /** The ring being replaced; used only when its replicas and partition power match. */
  previous?: StoredRing;
}

/**
 * The only place that touches @mcos/ring: builds a ring from the
 * controller's inputs and turns the library's report into StoredRing stats.
 */
@Injectable()
export class RingBuilderService {
  build(request: RingBuildRequest): StoredRing {
    const previous =
      request.previous &&
      request.previous.replicas === request.replicas &&
      request.previous.partitionPower === request.partitionPower
        ? request.previous
        : undefined;
    const previousRing = previous ? Ring.deserialize(Buffer.from(previous.data, 'base64')) : undefined;
    const { ring, report } = this.buildOrExplain(request, previousRing);
    let movement: RingMovement | undefined;
    if (previous && previousRing) {
      const byService: RingMovement['byService'] = {};
      const entry = (name: string) => (byService[name] ??= { gained: 0, lost: 0 });
      for (const move of diffRings(previousRing, ring)) {
        entry(move.fromId).lost += 1;
        entry(move.toId).gained += 1;
      }
      movement = {
        fromVersion: previous.version,
        moved: report.moved,
        minimumMoves: report.minimumMoves,
        remainingMoves: report.remainingMoves,
        multiMovePartitions: report.multiMovePartitions,
        byService,
      };
    }
    const regions = new Map(request.members.map((m) => [m.name, m.region]));
    return {
      option: request.option,
      version: request.version,
      createdAt: request.createdAt,
      checksum: ring.checksum,
      data: Buffer.from(ring.serialize()).toString('base64'),
      replicas: request.replicas,
      partitionPower: request.partitionPower,
      members: [...request.members].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      stats: {
        balancePercent: round(report.balancePercent),
        dispersionPercent: round(report.dispersionPercent),
        partitions: report.partitions,
        services: report.shares.map((share) => ({
          name: share.id,
          region: regions.get(share.id) ?? share.region,
          weight: share.weight,
          partitionReplicas: share.count,
          desired: round(share.ideal),
          balancePercent: share.ideal > 0 ? round(((share.count - share.ideal) / share.ideal) * 100) : share.count > 0 ? 100 : 0,
        })),
        movement,
      },
    };
  }

  private buildOrExplain(request: RingBuildRequest, previous: Ring | undefined): ReturnType<typeof buildRing> {
    try {
      return buildRing({
        option: request.option,
        version: request.version,
        createdAt: request.createdAt,
        replicas: request.replicas,
        partitionPower: request.partitionPower,
        services: request.members.map((m) => ({ id: m.name, region: m.region, weight: m.weight })),
        previous,
      });
    } catch (error) {
      if (error instanceof RingInputError) {
        throw new ConflictError(`Cannot build the ring of option ${request.option}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
