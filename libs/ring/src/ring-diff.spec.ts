import { describe, expect, it } from '@jest/globals';
import { Ring } from './ring';
import { buildRing } from './ring-builder';
import { diffRings } from './ring-diff';
import { RingInputError } from './ring.errors';
import type { RingService } from './ring.types';

const services: RingService[] = Array.from({ length: 9 }, (_, i) => ({ id: `svc-${i}`, region: `region-${i % 3}`, weight: 1 + (i % 2) }));
const base = { option: 'standard', createdAt: 0, replicas: 3, partitionPower: 9 };
const before = buildRing({ ...base, version: 1, services }).ring;

describe('diffRings', () => {
  it('lists nothing between equal assignments', () => {
    expect(diffRings(before, before)).toEqual([]);
  });

  it('lists every changed partition-replica, by index and id in each ring', () => {
    const next = [...services.slice(1), { id: 'added', region: 'region-0', weight: 2 }];
    const { ring: after, report } = buildRing({ ...base, version: 2, services: next, previous: before });
    const sut = diffRings(before, after);
    expect(sut.length).toBe(report.moved);
    for (const move of sut) {
      expect(before.services[move.fromIndex].id).toBe(move.fromId);
      expect(after.services[move.toIndex].id).toBe(move.toId);
      expect(before.primaryAt(move.partition, move.replica)).toBe(move.fromIndex);
      expect(after.primaryAt(move.partition, move.replica)).toBe(move.toIndex);
    }
    // Applying the moves to the old ring's ids gives the new ring.
    const ids = Array.from({ length: before.partitionCount }, (_, p) => before.primaries(p).map((i) => before.services[i].id));
    for (const move of sut) ids[move.partition][move.replica] = move.toId;
    ids.forEach((row, p) => expect(row).toEqual(after.primaries(p).map((i) => after.services[i].id)));
  });

  it('pairs by service, not by slot, when a ring permutes replicas', () => {
    const data = before.data();
    const table = Uint16Array.from(data.table);
    [table[0], table[1]] = [table[1], table[0]];
    expect(diffRings(before, Ring.create({ ...data, table }))).toEqual([]);
  });

  it('refuses rings of different options or shapes', () => {
    const other = buildRing({ ...base, option: 'gold', version: 1, services }).ring;
    expect(() => diffRings(before, other)).toThrow(RingInputError);
    const bigger = buildRing({ ...base, partitionPower: 10, version: 1, services }).ring;
    expect(() => diffRings(before, bigger)).toThrow(/replicas or partition power/);
  });
});
