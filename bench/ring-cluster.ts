import type { RingService } from '@mcos/ring';

/** Deterministic test cluster: `count` services round-robin over regions. */
export function makeCluster(seed: number, count: number, regions: number, regionFactor: (region: number) => number = () => 1): RingService[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  return Array.from({ length: count }, (_, i) => ({
    id: `svc-${String(i).padStart(3, '0')}`,
    region: `region-${i % regions}`,
    weight: Math.round(100 * (1 + 3 * random()) * regionFactor(i % regions)) / 100,
  }));
}
