import type { PlacementPlan } from './ring-placement';
import { UNASSIGNED } from './ring-placement';

/**
 * The working state of one rebalance: the table being edited, the table it
 * started from, and every service's distance to its target.
 */
export class MoveState {
  readonly partitionCount: number;
  readonly replicas: number;
  readonly regionOf: Int32Array;
  readonly sparse: boolean;
  /** Wanted distinct regions per partition: min(R, G). */
  readonly spread: number;
  /** target - count per service (> 0: receiver, < 0: donor). */
  readonly need: Int32Array;
  /** Same per region. */
  readonly regionNeed: Int32Array;
  /** Sum of the targets per region (its quota). */
  readonly regionTarget: Int32Array;
  /** Integer target per service. */
  readonly target: Int32Array;
  /** Services with a non-zero target. */
  readonly active: Int32Array;
  /** Where each slot started; UNASSIGNED = forced move. */
  readonly original: Uint16Array;
  /** Total shortfall: sum of positive `need`, i.e. moves still to make. */
  deficit = 0;
  /**
   * Per region, untouched partitions that lack it: how many more partitions
   * that region can still enter. Maintained once `trackLacking` is called.
   */
  lacking: Int32Array | undefined;

  constructor(
    plan: PlacementPlan,
    readonly table: Uint16Array,
  ) {
    this.partitionCount = plan.partitionCount;
    this.replicas = plan.replicas;
    this.regionOf = plan.regionOf;
    this.sparse = plan.sparse;
    this.spread = Math.min(plan.replicas, plan.regionCount);
    this.original = table.slice();
    this.target = plan.target;
    this.need = Int32Array.from(plan.target);
    this.regionNeed = new Int32Array(plan.regionCount);
    plan.target.forEach((t, s) => {
      if (t > 0) this.regionNeed[plan.regionOf[s]] += t;
    });
    this.regionTarget = Int32Array.from(this.regionNeed);
    for (let i = 0; i < table.length; i++) {
      const s = table[i];
      if (s === UNASSIGNED) continue;
      this.need[s]--;
      this.regionNeed[plan.regionOf[s]]--;
    }
    this.active = Int32Array.from(plan.target.keys()).filter((s) => plan.target[s] > 0);
    for (const s of this.active) if (this.need[s] > 0) this.deficit += this.need[s];
  }

  /** True when service s holds another slot of `slot`'s partition. */
  holds(slot: number, s: number): boolean {
    const row = slot - (slot % this.replicas);
    for (let i = row; i < row + this.replicas; i++) if (i !== slot && this.table[i] === s) return true;
    return false;
  }

  /** True when no slot of partition p differs from where it started. */
  untouched(p: number): boolean {
    const row = p * this.replicas;
    for (let r = 0; r < this.replicas; r++) if (this.table[row + r] !== this.original[row + r]) return false;
    return true;
  }

  /** Distinct regions among the partition's assigned replicas. */
  regionsIn(p: number): number {
    const { table, regionOf, replicas: R } = this;
    const row = p * R;
    let regions = 0;
    for (let r = 0; r < R; r++) {
      if (table[row + r] === UNASSIGNED) continue;
      let first = true;
      for (let q = 0; q < r && first; q++) {
        if (table[row + q] !== UNASSIGNED && regionOf[table[row + q]] === regionOf[table[row + r]]) first = false;
      }
      if (first) regions++;
    }
    return regions;
  }

  /**
   * Change in the partition's distinct regions if `slot` (p·R + r) is given
   * to service `to`; null when not allowed: `to` already holds the
   * partition, or (with G >= R) its region already does, or the partition
   * would lose a region.
   */
  gain(slot: number, to: number): number | null {
    const { table, regionOf, replicas: R } = this;
    const row = slot - (slot % R);
    const from = table[slot];
    const toRegion = regionOf[to];
    const fromRegion = from === UNASSIGNED ? -1 : regionOf[from];
    let toShared = false;
    let fromShared = false;
    for (let i = row; i < row + R; i++) {
      if (i === slot) continue;
      const s = table[i];
      if (s === to) return null;
      if (s === UNASSIGNED) continue;
      if (regionOf[s] === toRegion) toShared = true;
      if (regionOf[s] === fromRegion) fromShared = true;
    }
    if (toRegion === fromRegion) return 0;
    if (toShared && this.sparse) return null;
    const gain = (toShared ? 0 : 1) - (fromRegion >= 0 && !fromShared ? 1 : 0);
    return gain < 0 ? null : gain;
  }

  /** Starts maintaining `lacking`. */
  trackLacking(): void {
    const lacking = new Int32Array(this.regionNeed.length);
    for (let p = 0; p < this.partitionCount; p++) if (this.untouched(p)) this.countLacking(p, lacking, 1);
    this.lacking = lacking;
  }

  private countLacking(p: number, lacking: Int32Array, sign: number): void {
    const { table, regionOf, replicas: R } = this;
    const row = p * R;
    for (let g = 0; g < lacking.length; g++) {
      let present = false;
      for (let i = row; i < row + R && !present; i++) present = table[i] !== UNASSIGNED && regionOf[table[i]] === g;
      if (!present) lacking[g] += sign;
    }
  }

  /** Gives `slot` to service `to`, keeping the counts. */
  assign(slot: number, to: number): void {
    if (this.lacking !== undefined) {
      const p = Math.floor(slot / this.replicas);
      if (this.untouched(p)) this.countLacking(p, this.lacking, -1);
    }
    const from = this.table[slot];
    if (from !== UNASSIGNED) {
      if (this.need[from] >= 0) this.deficit++;
      this.need[from]++;
      this.regionNeed[this.regionOf[from]]++;
    }
    if (this.need[to] > 0) this.deficit--;
    this.need[to]--;
    this.regionNeed[this.regionOf[to]]--;
    this.table[slot] = to;
  }
}
