import type { MoveState } from './ring-moves';

/**
 * Restores region dispersion where balancing left it short (typically after
 * a region appeared while a partition also had a forced move, which forbids
 * a second move in that rebalance). For an untouched partition p lacking a
 * region, gives a replica of a region p holds twice (service x) to a
 * service y of a missing region, and hands one slot of y in another
 * untouched partition q back to x, so every count stays at its target: two
 * moves, in two partitions, per partition repaired.
 */
export function restoreSpread(state: MoveState, order: (k: number) => number): void {
  const { table, replicas: R, partitionCount: T, active, spread } = state;
  if (spread <= 1) return;
  let slotsOf: number[][] | undefined;
  for (let k = 0; k < T; k++) {
    const p = order(k);
    if (state.regionsIn(p) >= spread || !state.untouched(p)) continue;
    slotsOf ??= slotsByService(state);
    repairPartition(state, p, slotsOf);
  }

  function repairPartition(state: MoveState, p: number, slotsOf: number[][]): void {
    for (let r = 0; r < R; r++) {
      const slot = p * R + r;
      const x = table[slot];
      for (const y of active) {
        if (state.gain(slot, y) !== 1) continue;
        const back = slotsOf[y].find((other) => {
          const q = Math.floor(other / R);
          return q !== p && state.untouched(q) && (state.gain(other, x) ?? -1) >= 0;
        });
        if (back === undefined) continue;
        state.assign(slot, y);
        state.assign(back, x);
        slotsOf[y][slotsOf[y].indexOf(back)] = slot;
        slotsOf[x][slotsOf[x].indexOf(slot)] = back;
        return;
      }
    }
  }
}

function slotsByService(state: MoveState): number[][] {
  const lists: number[][] = Array.from({ length: state.need.length }, () => []);
  state.table.forEach((s, i) => lists[s].push(i));
  return lists;
}
