import type { Ring } from './ring';
import { computeIdeals } from './ring-targets';
import type { RingBalance } from './ring.types';

/** Balance and dispersion of a ring (see `RingBalance`). O(R·2^P). */
export function ringBalance(ring: Ring): RingBalance {
  const { services, replicas: R, partitionCount: T } = ring;
  const ideals = computeIdeals(services, R, T);
  let balance = 0;
  let rawBalance = 0;
  const shares = services.map((s, i) => {
    const count = ring.replicaCount(i);
    const ideal = ideals.ideal[i];
    const weightIdeal = ideals.weightIdeal[i];
    balance = Math.max(balance, deviation(count, ideal));
    rawBalance = Math.max(rawBalance, deviation(count, weightIdeal));
    return { id: s.id, region: s.region, weight: s.weight, count, ideal, weightIdeal };
  });
  const G = ideals.regionNames.length;
  const regionOf = Int32Array.from(services, (s) => ideals.regionNames.indexOf(s.region));
  const wanted = Math.min(R, G);
  const row = new Int32Array(R);
  let dispersed = 0;
  for (let p = 0; p < T; p++) {
    ring.primaries(p, row);
    let regions = 0;
    for (let r = 0; r < R; r++) {
      let first = regionOf[row[r]] >= 0;
      for (let q = 0; q < r && first; q++) if (regionOf[row[q]] === regionOf[row[r]]) first = false;
      if (first) regions++;
    }
    if (regions >= wanted) dispersed++;
  }
  return {
    balancePercent: balance,
    rawBalancePercent: rawBalance,
    dispersionPercent: (100 * dispersed) / T,
    regionCount: G,
    shares,
  };
}

function deviation(count: number, ideal: number): number {
  if (ideal > 0) return (100 * Math.abs(count - ideal)) / ideal;
  return count > 0 ? 100 : 0;
}
