import type { RingService } from './ring.types';

/**
 * Placement policy, "dispersion first":
 *
 * - With G >= R regions (G = regions holding a service of weight > 0) a
 *   partition never has two replicas in one region, so a region holds at most
 *   2^P partition-replicas (1/R of all): a heavier region is capped there and
 *   the excess goes to the other regions by weight.
 * - With G < R every partition has a replica in every region, so each region
 *   holds at least 2^P (and at most 2^P per service it has).
 * - Within a region, services share its quota by weight, each capped at 2^P
 *   (one replica per partition).
 *
 * This is a water-filling: one level λ with service ideal min(2^P, λ·w)
 * and region quota clamp(Σ, low, high), with the region's own level where the
 * clamp applies. The resulting `ideal` is what "balance" is measured against;
 * `weightIdeal` is the plain weight share, for comparison.
 */
export interface RingIdeals {
  readonly partitionCount: number;
  readonly replicas: number;
  /** Sorted names of the regions that have a service with weight > 0. */
  readonly regionNames: readonly string[];
  /** Region index per service, -1 for weight-0 services. */
  readonly regionOf: Int32Array;
  /** True when G >= R: at most one replica of a partition per region. */
  readonly sparse: boolean;
  readonly ideal: Float64Array;
  readonly weightIdeal: Float64Array;
  readonly regionIdeal: Float64Array;
  readonly regionHigh: Float64Array;
}

export function computeIdeals(services: readonly RingService[], replicas: number, partitionCount: number): RingIdeals {
  const S = services.length;
  const T = partitionCount;
  const N = replicas * T;
  const regionNames = [...new Set(services.filter((s) => s.weight > 0).map((s) => s.region))].sort();
  const G = regionNames.length;
  const regionIndex = new Map(regionNames.map((name, g) => [name, g]));
  const regionOf = new Int32Array(S).fill(-1);
  const members: number[][] = regionNames.map(() => []);
  let totalWeight = 0;
  let minWeight = Infinity;
  services.forEach((s, i) => {
    if (s.weight <= 0) return;
    const g = regionIndex.get(s.region) as number;
    regionOf[i] = g;
    members[g].push(i);
    totalWeight += s.weight;
    minWeight = Math.min(minWeight, s.weight);
  });

  const sparse = G >= replicas;
  const low = new Float64Array(G).fill(sparse ? 0 : T);
  const high = Float64Array.from(members, (m) => (sparse ? T : m.length * T));
  const fill = (g: number, level: number): number => {
    let sum = 0;
    for (const i of members[g]) sum += Math.min(T, level * services[i].weight);
    return sum;
  };
  const quota = (g: number, level: number): number => Math.min(high[g], Math.max(low[g], fill(g, level)));
  const level = solveLevel(N, T / minWeight, (l) => {
    let sum = 0;
    for (let g = 0; g < G; g++) sum += quota(g, l);
    return sum;
  });

  const ideal = new Float64Array(S);
  const regionIdeal = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    const q = quota(g, level);
    regionIdeal[g] = q;
    const own = q === fill(g, level) ? level : solveLevel(q, T / minWeight, (l) => fill(g, l));
    for (const i of members[g]) ideal[i] = Math.min(T, own * services[i].weight);
  }
  const weightIdeal = Float64Array.from(services, (s) => (N * s.weight) / totalWeight);
  return { partitionCount: T, replicas, regionNames, regionOf, sparse, ideal, weightIdeal, regionIdeal, regionHigh: high };
}

/**
 * Integer targets per service, summing to R·2^P: every service gets the floor
 * or the ceiling of its ideal (largest remainder, first per region, then per
 * service). Among equal candidates for a ceiling, those already holding at
 * least that many in `current` come first, so a rebalance moves less.
 */
export function computeTargets(ideals: RingIdeals, current?: Int32Array): Int32Array {
  const { regionOf, ideal, regionIdeal, regionHigh, partitionCount: T, replicas } = ideals;
  const S = regionOf.length;
  const G = regionIdeal.length;
  const regionCurrent = new Float64Array(G);
  const members: number[][] = Array.from({ length: G }, () => []);
  for (let i = 0; i < S; i++) {
    const g = regionOf[i];
    if (g < 0) continue;
    members[g].push(i);
    regionCurrent[g] += current?.[i] ?? 0;
  }
  const regionIds = Array.from({ length: G }, (_, g) => g);
  const regionQuota = apportion(regionIds, replicas * T, (g) => regionIdeal[g], (g) => regionHigh[g], (g) => regionCurrent[g]);
  const target = new Int32Array(S);
  for (let g = 0; g < G; g++) {
    const share = apportion(members[g], regionQuota[g], (i) => ideal[i], () => T, (i) => current?.[i] ?? 0);
    members[g].forEach((i, k) => (target[i] = share[k]));
  }
  return target;
}

/** Largest-remainder rounding of `items`' ideals to integers summing to `total`. */
function apportion(
  items: readonly number[],
  total: number,
  idealOf: (item: number) => number,
  capOf: (item: number) => number,
  currentOf: (item: number) => number,
): number[] {
  const ideals = items.map((item) => snap(idealOf(item)));
  const result = ideals.map(Math.floor);
  let remainder = total - result.reduce((a, b) => a + b, 0);
  const order = items
    .map((item, k) => ({ k, keeps: currentOf(item) > result[k], fraction: ideals[k] - result[k] }))
    .filter(({ k, fraction }) => fraction > 0 || result[k] < capOf(items[k]))
    .sort((a, b) => Number(b.fraction > 0) - Number(a.fraction > 0) || Number(b.keeps) - Number(a.keeps) || b.fraction - a.fraction || a.k - b.k);
  for (let pass = 0; remainder > 0 && pass < 2; pass++) {
    for (const { k } of order) {
      if (remainder === 0) break;
      if (result[k] >= capOf(items[k])) continue;
      result[k]++;
      remainder--;
    }
  }
  for (let k = result.length - 1; remainder < 0 && k >= 0; k--) {
    if (result[k] > 0) {
      result[k]--; // only reachable through floating-point noise
      remainder++;
    }
  }
  return result;
}

/** Removes floating-point noise around integers (ideals are sums of products). */
function snap(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-7 ? r : x;
}

/** Smallest level whose monotone `total(level)` reaches `target` (bisection). */
function solveLevel(target: number, upper: number, total: (level: number) => number): number {
  let lo = 0;
  let hi = upper;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break;
    if (total(mid) < target) lo = mid;
    else hi = mid;
  }
  return hi;
}
