import type { Prng } from './prng';
import { MoveState } from './ring-moves';
import { type PlacementPlan, UNASSIGNED } from './ring-placement';
import { repairByPaths } from './ring-repair';
import { restoreSpread } from './ring-spread';

export interface RebalanceOutcome {
  /** Slots that were UNASSIGNED (their service was removed or has weight 0). */
  readonly forcedMoves: number;
  /** Partitions with more than one UNASSIGNED slot. */
  readonly multiMovePartitions: number;
  /** Slots that changed service, forced ones included. */
  readonly moved: number;
}

/**
 * Rebalances `table` in place. It holds the previous assignment, already in
 * the new service indices, with UNASSIGNED where the service is gone.
 *
 * 1. Forced (`fillForced`): every UNASSIGNED slot is filled, all of them,
 *    even several in one partition, or the ring would point at nothing;
 *    then slots filled that way are re-routed among themselves wherever one
 *    overshot a target (free: those partitions move anyway).
 * 2. Balancing (`balancePartition`): the other partitions, in a seeded
 *    pseudo-random order, may each move ONE replica, never costing the
 *    partition a region, in passes: spread, cross, strict, relay, strict.
 * 3. Repair (`repairByPaths`): chains of hand-overs for what is still short.
 * 4. Spread (`restoreSpread`): swaps for partitions still missing a region.
 *
 * Each balancing move closes one unit of the gap, so where the regions
 * allow it a rebalance moves exactly the count-based minimum. Where they do
 * not (a region holding nearly 1/R of the weight, or appearing or
 * disappearing), dispersion can force extra moves, and the one move per
 * partition rule can leave work for the next rebalance.
 */
export function rebalanceTable(plan: PlacementPlan, table: Uint16Array, rng: Prng): RebalanceOutcome {
  const state = new MoveState(plan, table);
  const T = plan.partitionCount;
  const mask = T - 1;
  const stride = (rng.next() | 1) & mask;
  const offset = rng.next() & mask;
  const order = (k: number): number => (k * stride + offset) & mask;

  const { forcedMoves, multiMovePartitions } = fillForced(state, order, rng);
  if (forcedMoves > 0) repairByPaths(state, 0); // re-route forced moves that overfilled someone
  state.trackLacking();
  let stuck = new Int32Array(0);
  for (const pass of ['spread', 'cross', 'strict', 'relay', 'strict'] as const) {
    if (pass === 'relay') stuck = state.need.map((n) => Math.max(0, n));
    const receivers = state.active.filter((s) => state.need[s] > 0);
    for (let k = 0; k < T && state.deficit > 0; k++) {
      const p = order(k);
      if (state.untouched(p)) balancePartition(state, p, pass, receivers, stuck);
    }
  }
  state.lacking = undefined;
  repairByPaths(state, 3);
  restoreSpread(state, order);

  let moved = 0;
  for (let i = 0; i < table.length; i++) if (table[i] !== state.original[i]) moved++;
  return { forcedMoves, multiMovePartitions, moved };
}

/**
 * Fills every UNASSIGNED slot. Receivers are ranked by: adds a region to the
 * partition, is under target, its region is under quota, then urgency =
 * shortfall / holes still open that it could take (a service few later
 * holes can use is served first), so forced moves rarely overshoot.
 */
function fillForced(state: MoveState, order: (k: number) => number, rng: Prng): { forcedMoves: number; multiMovePartitions: number } {
  const { table, regionOf, regionNeed, need, active, partitionCount: T, replicas: R } = state;
  const G = regionNeed.length;
  const holesIn = (p: number): number => {
    let holes = 0;
    for (let r = 0; r < R; r++) if (table[p * R + r] === UNASSIGNED) holes++;
    return holes;
  };
  // Open holes, and among them those whose partition already has region g.
  let open = 0;
  const openWithRegion = new Int32Array(G);
  /** Adds (sign 1) or removes (-1) partition p's open holes from the counters. */
  const count = (p: number, sign: number): number => {
    const holes = holesIn(p);
    open += sign * holes;
    for (let r = 0; r < R; r++) {
      const s = table[p * R + r];
      if (s === UNASSIGNED) continue;
      let first = true;
      for (let q = 0; q < r; q++) if (table[p * R + q] !== UNASSIGNED && regionOf[table[p * R + q]] === regionOf[s]) first = false;
      if (first) openWithRegion[regionOf[s]] += sign * holes;
    }
    return holes;
  };
  for (let p = 0; p < T; p++) count(p, 1);

  let forcedMoves = 0;
  let multiMovePartitions = 0;
  for (let k = 0; k < T && open > 0; k++) {
    const p = order(k);
    const holes = count(p, -1);
    if (holes === 0) continue;
    for (let r = 0; r < R; r++) {
      const slot = p * R + r;
      if (table[slot] !== UNASSIGNED) continue;
      let best = -1;
      let bestRank = -1;
      let bestUrgency = 0;
      const n = active.length;
      const start = rng.below(n);
      for (let j = 0; j < n; j++) {
        const s = active[start + j < n ? start + j : start + j - n];
        if (state.holds(slot, s)) continue;
        const gain = state.gain(slot, s) ?? -1; // -1: shares a region although G >= R, only if nothing else fits
        const rank = (gain + 1) * 4 + (need[s] > 0 ? 2 : 0) + (regionNeed[regionOf[s]] > 0 ? 1 : 0);
        const urgency = need[s] / Math.max(1, open - openWithRegion[regionOf[s]]);
        if (rank > bestRank || (rank === bestRank && urgency > bestUrgency)) {
          best = s;
          bestRank = rank;
          bestUrgency = urgency;
        }
      }
      state.assign(slot, best);
    }
    forcedMoves += holes;
    if (holes > 1) multiMovePartitions++;
  }
  return { forcedMoves, multiMovePartitions };
}

/**
 * How a balancing pass may move one replica of a partition:
 * - spread: only moves that add a region to it (from a service over target,
 *   or from a region over its quota even if the service is at target);
 * - cross: over-target service to under-target service in another region,
 *   only from a region over its quota to one under it (these need the
 *   scarcer partitions that lack the receiving region, so they go first);
 * - strict: the same, plus moves within a region;
 * - relay: for receivers a strict pass could not serve (`stuck`), from any
 *   other service in another region, preferring donors, then the smallest
 *   region, which a later strict pass then refills: two moves for one unit,
 *   when the regions leave no direct way.
 */
type Pass = 'spread' | 'cross' | 'strict' | 'relay';

function balancePartition(state: MoveState, p: number, pass: Pass, receivers: Int32Array, stuck: Int32Array): void {
  const { table, need, regionNeed, regionTarget, regionOf, replicas: R } = state;
  const lacking = state.lacking as Int32Array;
  const row = p * R;
  if (pass === 'spread' && state.regionsIn(p) >= state.spread) return;
  let bestSlot = -1;
  let bestTo = -1;
  const best = [-1, 0, 0, 0, 0];
  const score = [0, 0, 0, 0, 0];
  for (let r = 0; r < R; r++) {
    const from = table[row + r];
    const fromRegion = regionOf[from];
    const excess = -need[from];
    const regionOver = regionNeed[fromRegion] < 0;
    if (pass === 'relay' ? stuck[from] > 0 : excess <= 0 && !(pass === 'spread' && regionOver)) continue;
    for (const to of receivers) {
      if (need[to] <= 0 || (pass === 'relay' && stuck[to] <= 0)) continue;
      const toRegion = regionOf[to];
      if (pass === 'cross' && toRegion === fromRegion) continue;
      if (pass === 'relay' ? toRegion === fromRegion || regionNeed[toRegion] <= 0 : toRegion !== fromRegion && !(regionOver && regionNeed[toRegion] > 0)) {
        continue;
      }
      const gain = state.gain(row + r, to);
      if (gain === null || (pass === 'spread' && gain === 0)) continue;
      score[0] = gain;
      // Pressure: what the receiving region still needs per partition left that could take it.
      score[1] = toRegion === fromRegion ? 0 : regionNeed[toRegion] / Math.max(1, lacking[toRegion]);
      score[2] = excess;
      score[3] = pass === 'relay' ? -regionTarget[fromRegion] : 0;
      score[4] = need[to];
      if (better(score, best)) {
        bestSlot = row + r;
        bestTo = to;
        for (let i = 0; i < score.length; i++) best[i] = score[i];
      }
    }
  }
  if (bestSlot < 0) return;
  state.assign(bestSlot, bestTo);
  if (pass === 'relay') stuck[bestTo]--;
}

/** Lexicographic comparison of equal-length scores. */
function better(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}
