import type { Prng } from './prng';

/** What the placement algorithms need to know, all indexed by service. */
export interface PlacementPlan {
  readonly partitionCount: number;
  readonly replicas: number;
  /** Region per service, -1 for weight-0 services. */
  readonly regionOf: Int32Array;
  readonly regionCount: number;
  /** G >= R: at most one replica of a partition per region. */
  readonly sparse: boolean;
  /** Integer partition-replica target per service, summing to R·2^P. */
  readonly target: Int32Array;
}

/** Marks a slot with no service yet (services are < 0xffff). */
export const UNASSIGNED = 0xffff;

/** Services with a non-zero target, grouped by region, in index order. */
export function regionMembers(plan: PlacementPlan): Int32Array[] {
  const lists: number[][] = Array.from({ length: plan.regionCount }, () => []);
  plan.target.forEach((t, s) => {
    if (t > 0) lists[plan.regionOf[s]].push(s);
  });
  return lists.map((l) => Int32Array.from(l));
}

/**
 * Initial placement: fills the table partition by partition. Each slot takes
 * a region, then a service in it, choosing (in order) a region the partition
 * does not use yet, one that MUST take it now or miss its target (its
 * remainder exceeds what later partitions can absorb: the Havel-Hakimi rule
 * that makes exact targets reachable), one with quota left, and the one most
 * behind a steady schedule (remaining - target·partitionsLeft/2^P), ties
 * broken by a random scan start. With G >= R this meets every target exactly
 * and disperses fully; with G < R it reserves one replica per region for
 * every later partition. O(2^P · R · (G + services per region)).
 */
export function placeFresh(plan: PlacementPlan, rng: Prng): Uint16Array {
  const { partitionCount: T, replicas: R, regionOf, regionCount: G, sparse, target } = plan;
  const members = regionMembers(plan);
  const size = Int32Array.from(members, (m) => m.length);
  const serviceLeft = Int32Array.from(target);
  const regionLeft = new Float64Array(G);
  target.forEach((t, s) => {
    if (t > 0) regionLeft[regionOf[s]] += t;
  });
  const serviceRate = Float64Array.from(target, (t) => t / T);
  const regionRate = Float64Array.from(regionLeft, (q) => q / T);
  const perPartitionMax = Int32Array.from(size, (n) => (sparse ? 1 : n));
  const used = new Uint8Array(target.length);
  const inPartition = new Int32Array(G);
  const table = new Uint16Array(T * R);

  for (let p = 0; p < T; p++) {
    const later = T - p - 1;
    const row = p * R;
    for (let r = 0; r < R; r++) {
      let region = -1;
      let regionRank = -1;
      let regionLag = 0;
      const regionStart = rng.below(G);
      for (let k = 0; k < G; k++) {
        const g = regionStart + k < G ? regionStart + k : regionStart + k - G;
        const taken = inPartition[g];
        if (taken >= size[g] || (sparse && taken > 0)) continue;
        const left = regionLeft[g];
        const rank =
          (taken === 0 ? 4 : 0) |
          (left > perPartitionMax[g] * later ? 2 : 0) |
          ((taken === 0 ? left > 0 : left > later) ? 1 : 0);
        const lag = left - regionRate[g] * later;
        if (rank > regionRank || (rank === regionRank && lag > regionLag)) {
          region = g;
          regionRank = rank;
          regionLag = lag;
        }
      }
      const list = members[region];
      let service = -1;
      let serviceRank = -1;
      let serviceLag = 0;
      const n = list.length;
      const start = rng.below(n);
      for (let k = 0; k < n; k++) {
        const s = list[start + k < n ? start + k : start + k - n];
        if (used[s] !== 0) continue;
        const left = serviceLeft[s];
        const rank = (left > later ? 2 : 0) | (left > 0 ? 1 : 0);
        const lag = left - serviceRate[s] * later;
        if (rank > serviceRank || (rank === serviceRank && lag > serviceLag)) {
          service = s;
          serviceRank = rank;
          serviceLag = lag;
        }
      }
      table[row + r] = service;
      used[service] = 1;
      inPartition[region]++;
      serviceLeft[service]--;
      regionLeft[region]--;
    }
    for (let r = 0; r < R; r++) {
      const s = table[row + r];
      used[s] = 0;
      inPartition[regionOf[s]] = 0;
    }
  }
  return table;
}
