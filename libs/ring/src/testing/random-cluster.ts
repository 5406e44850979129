import { Prng } from '../prng';
import type { Ring } from '../ring';
import type { RingService } from '../ring.types';

/** Test helpers shared by the ring specs (not exported from the library). */

export interface RandomCluster {
  readonly services: RingService[];
  readonly replicas: number;
}

/**
 * A random cluster: 1-6 regions, 3-16 services, weights 1-4x, sometimes
 * a weight-0 service or a heavy region; R from 1 to min(4, active services).
 */
export function randomCluster(rng: Prng): RandomCluster {
  const regions = 1 + rng.below(6);
  const count = 3 + rng.below(14);
  const heavy = rng.below(3) === 0 ? rng.below(regions) : -1;
  const services = Array.from({ length: count }, (_, i): RingService => {
    const region = rng.below(regions);
    const zero = rng.below(12) === 0;
    const weight = zero ? 0 : Math.round(100 * (1 + 3 * (rng.next() / 2 ** 32)) * (region === heavy ? 5 : 1)) / 100;
    return { id: `s${i}-${rng.below(1000)}`, region: `r${region}`, weight };
  });
  if (!services.some((s) => s.weight > 0)) services[0] = { ...services[0], weight: 1 };
  const active = services.filter((s) => s.weight > 0).length;
  return { services, replicas: 1 + rng.below(Math.min(4, active)) };
}

/** Fisher-Yates shuffle copy. */
export function shuffled<T>(items: readonly T[], rng: Prng): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** Partitions whose replicas are not on distinct services (should be none). */
export function partitionsWithDuplicateServices(ring: Ring): number {
  const row = new Int32Array(ring.replicas);
  let bad = 0;
  for (let p = 0; p < ring.partitionCount; p++) {
    ring.primaries(p, row);
    if (new Set(row).size !== ring.replicas) bad++;
  }
  return bad;
}
