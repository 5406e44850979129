import type { Ring } from './ring';
import { RingInputError } from './ring.errors';
import type { RingMove } from './ring.types';

/**
 * Partition-replicas whose service differs between two rings of one option:
 * what must migrate (or would, for a dry run). Per partition, services
 * present in `to` but not in `from` are paired, in replica order, with
 * those present in `from` but not in `to`; rings from `buildRing` move a
 * replica within its slot, so `replica` is the slot in both.
 * @throws RingInputError for rings of different options, R or P.
 */
export function diffRings(from: Ring, to: Ring): RingMove[] {
  if (from.option !== to.option) throw new RingInputError(`rings belong to different options ("${from.option}", "${to.option}")`);
  if (from.replicas !== to.replicas || from.partitionPower !== to.partitionPower) {
    throw new RingInputError('rings differ in replicas or partition power');
  }
  const R = from.replicas;
  const toIndexOf = Int32Array.from(from.services, (s) => to.serviceIndex(s.id));
  const before = new Int32Array(R);
  const after = new Int32Array(R);
  const leaving = new Uint8Array(R);
  const source = new Int32Array(R);
  const moves: RingMove[] = [];
  for (let p = 0; p < from.partitionCount; p++) {
    from.primaries(p, before);
    to.primaries(p, after);
    let changed = 0;
    for (let r = 0; r < R; r++) {
      leaving[r] = after.includes(toIndexOf[before[r]]) ? 0 : 1;
      changed += leaving[r];
    }
    if (changed === 0) continue;
    source.fill(-1);
    for (let r = 0; r < R; r++) {
      if (isArrival(after[r]) && leaving[r] === 1) {
        source[r] = r;
        leaving[r] = 0;
      }
    }
    for (let r = 0; r < R; r++) {
      if (!isArrival(after[r])) continue;
      if (source[r] < 0) {
        source[r] = leaving.indexOf(1);
        leaving[source[r]] = 0;
      }
      const fromIndex = before[source[r]];
      moves.push({ partition: p, replica: r, fromIndex, fromId: from.services[fromIndex].id, toIndex: after[r], toId: to.services[after[r]].id });
    }
  }
  return moves;

  function isArrival(toIndex: number): boolean {
    for (let q = 0; q < R; q++) if (toIndexOf[before[q]] === toIndex) return false;
    return true;
  }
}
