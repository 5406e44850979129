import { Prng } from './prng';
import { Ring } from './ring';
import { canonicalServices } from './ring-input';
import { type PlacementPlan, placeFresh, UNASSIGNED } from './ring-placement';
import { rebalanceTable } from './ring-rebalance';
import { ringBalance } from './ring-stats';
import { computeIdeals, computeTargets } from './ring-targets';
import type { RingBuildInput, RingBuildReport, RingService } from './ring.types';

export interface RingBuildResult {
  readonly ring: Ring;
  readonly report: RingBuildReport;
}

/**
 * Builds a ring, from scratch or as a rebalance of `input.previous`.
 *
 * Guarantees: R distinct services per partition; min(R, G) distinct regions
 * per partition from scratch (dispersion first, see `computeIdeals`); every
 * service within one partition-replica of its ideal when converged. With
 * `previous`: replicas on services that are gone or have weight 0 always
 * move (several per partition if need be, reported as
 * `multiMovePartitions`); beyond that at most one replica per partition
 * moves, each move bringing a service closer to its target, so a converged
 * rebalance moves exactly `minimumMoves` where regions do not constrain it
 * (`minimumMoves` counts shares only; a region near 1/R of the weight, or
 * one appearing or disappearing, can force extra moves for dispersion). If
 * the one-per-partition cap stops it short, `settled` is false and
 * `remainingMoves` says how far: rebalance again once data has migrated.
 *
 * Deterministic: services are sorted by id and randomness is seeded from the
 * option name, so equal input gives a byte-identical ring.
 * @throws RingInputError for invalid input.
 */
export function buildRing(input: RingBuildInput): RingBuildResult {
  const services = canonicalServices(input);
  const { option, version, createdAt, replicas, partitionPower, previous } = input;
  const T = 2 ** partitionPower;
  const ideals = computeIdeals(services, replicas, T);
  const rng = Prng.fromString(`mcos-ring/${option}`);
  const planFor = (target: Int32Array): PlacementPlan => ({
    partitionCount: T,
    replicas,
    regionOf: ideals.regionOf,
    regionCount: ideals.regionNames.length,
    sparse: ideals.sparse,
    target,
  });

  let table: Uint16Array;
  let target: Int32Array;
  let minimumMoves = 0;
  let moved = 0;
  let forcedMoves = 0;
  let multiMovePartitions = 0;
  if (previous === undefined) {
    target = computeTargets(ideals);
    table = placeFresh(planFor(target), rng);
  } else {
    const carried = carryOver(previous, services);
    table = carried.table;
    target = computeTargets(ideals, carried.counts);
    target.forEach((t, s) => (minimumMoves += Math.max(0, t - carried.counts[s])));
    const outcome = rebalanceTable(planFor(target), table, rng);
    forcedMoves = outcome.forcedMoves;
    multiMovePartitions = outcome.multiMovePartitions;
    moved = outcome.moved;
  }

  const ring = Ring.create({ option, version, createdAt, replicas, partitionPower, services, table });
  let remainingMoves = 0;
  target.forEach((t, s) => (remainingMoves += Math.max(0, t - ring.replicaCount(s))));
  const balance = ringBalance(ring);
  const report: RingBuildReport = {
    ...balance,
    partitions: T,
    moved,
    minimumMoves,
    forcedMoves,
    multiMovePartitions,
    remainingMoves,
    settled: remainingMoves === 0 && balance.dispersionPercent === 100,
  };
  return { ring, report };
}

/**
 * The previous table in the new service indices, UNASSIGNED where the
 * service is gone or now has weight 0, and what each service holds.
 */
function carryOver(previous: Ring, services: readonly RingService[]): { table: Uint16Array; counts: Int32Array } {
  const index = new Map(services.map((s, i) => [s.id, i]));
  const mapping = Uint16Array.from(previous.services, (s) => {
    const i = index.get(s.id);
    return i !== undefined && services[i].weight > 0 ? i : UNASSIGNED;
  });
  const table = new Uint16Array(previous.replicas * previous.partitionCount);
  const counts = new Int32Array(services.length);
  const row = new Uint16Array(previous.replicas);
  for (let p = 0, at = 0; p < previous.partitionCount; p++) {
    previous.primaries(p, row);
    for (const s of row) {
      const mapped = mapping[s];
      table[at++] = mapped;
      if (mapped !== UNASSIGNED) counts[mapped]++;
    }
  }
  return { table, counts };
}
