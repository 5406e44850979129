import type { MoveState } from './ring-moves';

const WORK_PER_SLOT = 8;

/**
 * Closes what greedy balancing left short with augmenting paths: a chain
 * donor → s1 → ... → receiver where each arrow hands one slot held by the
 * left service to the right one. A slot already moved in this rebalance can
 * be handed on at no cost (its partition still moves once); a slot of an
 * untouched partition costs a new move. Paths first may use one new move
 * (the total stays at the minimum), then more (each an extra move, when the
 * regions leave no other way), up to `maxNewMoves`. Each path lowers the
 * shortfall by one. Breadth-first over (service, new moves used), using a
 * partition at most once per path.
 *
 * The searches together examine at most WORK_PER_SLOT slots per table
 * entry, so a pathological cluster cannot make a build slow: what is left
 * shows in the report as remaining moves, for the next rebalance.
 */
export function repairByPaths(state: MoveState, maxNewMoves: number): void {
  if (state.deficit === 0) return;
  const slots = new SlotIndex(state);
  const budget = { left: WORK_PER_SLOT * state.table.length };
  for (let newMoves = Math.min(1, maxNewMoves); newMoves <= maxNewMoves && state.deficit > 0; newMoves++) {
    const search = new PathSearch(state, slots, newMoves + 1, budget);
    while (state.deficit > 0) {
      const steps = search.find();
      if (steps === undefined) break;
      for (const [slot, to] of steps) slots.assign(slot, to);
    }
  }
}

/** Slots held by each service, and among them those moved in this rebalance. */
class SlotIndex {
  readonly all: number[][];
  readonly moved: number[][];

  constructor(private readonly state: MoveState) {
    const { table, original } = state;
    this.all = Array.from({ length: state.need.length }, () => []);
    this.moved = Array.from({ length: state.need.length }, () => []);
    for (let i = 0; i < table.length; i++) {
      this.all[table[i]].push(i);
      if (table[i] !== original[i]) this.moved[table[i]].push(i);
    }
  }

  assign(slot: number, to: number): void {
    const { table, original } = this.state;
    const from = table[slot];
    remove(this.all[from], slot);
    if (from !== original[slot]) remove(this.moved[from], slot);
    this.state.assign(slot, to);
    this.all[to].push(slot);
    if (to !== original[slot]) this.moved[to].push(slot);
  }
}

function remove(list: number[], value: number): void {
  const at = list.lastIndexOf(value);
  list[at] = list[list.length - 1];
  list.pop();
}

class PathSearch {
  private readonly seen: Uint8Array;
  private readonly previous: Int32Array;
  private readonly via: Int32Array;
  private readonly queue: Int32Array;
  /** Active services per region. */
  private readonly members: Int32Array[];
  /** Per (level, region): active services not reached yet at that level. */
  private readonly unseen: Int32Array;
  /** Per level: active services not reached yet. */
  private readonly unseenTotal: Int32Array;
  /** States reached by the last `expand`, to be queued. */
  private readonly pending: number[] = [];

  constructor(
    private readonly state: MoveState,
    private readonly slots: SlotIndex,
    private readonly levels: number,
    private readonly budget: { left: number },
  ) {
    const size = state.need.length * levels;
    this.seen = new Uint8Array(size);
    this.previous = new Int32Array(size);
    this.via = new Int32Array(size);
    this.queue = new Int32Array(size);
    const G = state.regionNeed.length;
    const lists: number[][] = Array.from({ length: G }, () => []);
    for (const s of state.active) lists[state.regionOf[s]].push(s);
    this.members = lists.map((l) => Int32Array.from(l));
    this.unseen = new Int32Array(G * levels);
    this.unseenTotal = new Int32Array(levels);
  }

  /** Steps [slot, new service] of one augmenting path, or undefined. */
  find(): [number, number][] | undefined {
    const { state, levels, seen, queue, members, unseen, unseenTotal } = this;
    const { need, table, original, replicas: R } = state;
    const G = members.length;
    seen.fill(0);
    this.pending.length = 0;
    for (let level = 0; level < levels; level++) {
      for (let g = 0; g < G; g++) unseen[level * G + g] = members[g].length;
      unseenTotal[level] = state.active.length;
    }
    let tail = 0;
    for (let s = 0; s < need.length; s++) {
      if (need[s] >= 0) continue;
      this.reach(s * levels, -1, -1);
      queue[tail++] = s * levels;
    }
    for (let head = 0; head < tail; head++) {
      const id = queue[head];
      const x = Math.floor(id / levels);
      const used = id % levels;
      const onPath = this.partitionsOnPath(id);
      this.budget.left -= this.slots.moved[x].length;
      if (this.budget.left < 0) return undefined;
      for (const slot of this.slots.moved[x]) {
        const found = this.expand(id, slot, used, onPath);
        if (found === -2) continue;
        if (found >= 0) return this.steps(found);
        tail = this.enqueue(tail);
      }
      if (used + 1 >= levels) continue;
      for (const slot of this.slots.all[x]) {
        if (unseenTotal[used + 1] === 0 || --this.budget.left < 0) break;
        if (table[slot] !== original[slot] || !state.untouched(Math.floor(slot / R))) continue;
        const found = this.expand(id, slot, used + 1, onPath);
        if (found >= 0) return this.steps(found);
        tail = this.enqueue(tail);
      }
    }
    return undefined;
  }

  private enqueue(tail: number): number {
    for (const next of this.pending) this.queue[tail++] = next;
    this.pending.length = 0;
    return tail;
  }

  /**
   * Reaches every service the slot can be handed to at `level`; returns a
   * reached receiver's state id, -1 if none (new states left in `pending`),
   * -2 if the slot's partition is already on the path.
   */
  private expand(from: number, slot: number, level: number, onPath: readonly number[]): number {
    const { state, levels, seen, members, unseen } = this;
    const { need, table, regionOf, replicas: R, sparse } = state;
    const G = members.length;
    const p = Math.floor(slot / R);
    if (onPath.includes(p)) return -2;
    const x = table[slot];
    const fromRegion = regionOf[x];
    const row = p * R;
    let fromShared = false;
    for (let i = row; i < row + R; i++) if (i !== slot && regionOf[table[i]] === fromRegion) fromShared = true;
    for (let g = 0; g < G; g++) {
      if (unseen[level * G + g] === 0) continue;
      if (g !== fromRegion) {
        let shared = false;
        for (let i = row; i < row + R; i++) if (i !== slot && regionOf[table[i]] === g) shared = true;
        if (shared && (sparse || !fromShared)) continue;
      }
      for (const to of members[g]) {
        const next = to * levels + level;
        if (to === x || seen[next] !== 0 || state.gain(slot, to) === null) continue;
        this.reach(next, from, slot);
        if (need[to] > 0) return next;
        this.pending.push(next);
      }
    }
    return -1;
  }

  private reach(id: number, from: number, slot: number): void {
    this.seen[id] = 1;
    this.previous[id] = from;
    this.via[id] = slot;
    const s = Math.floor(id / this.levels);
    const g = this.state.regionOf[s];
    if (g >= 0 && this.state.target[s] > 0) {
      const level = id % this.levels;
      this.unseen[level * this.members.length + g]--;
      this.unseenTotal[level]--;
    }
  }

  private partitionsOnPath(id: number): number[] {
    const parts: number[] = [];
    for (let at = id; this.previous[at] >= 0; at = this.previous[at]) parts.push(Math.floor(this.via[at] / this.state.replicas));
    return parts;
  }

  private steps(id: number): [number, number][] {
    const steps: [number, number][] = [];
    for (let at = id; this.previous[at] >= 0; at = this.previous[at]) steps.push([this.via[at], Math.floor(at / this.levels)]);
    return steps;
  }
}
