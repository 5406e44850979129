import { describe, expect, it } from '@jest/globals';
import { partitionOf } from './hash';
import { Ring } from './ring';
import { buildRing } from './ring-builder';
import { RingInputError } from './ring.errors';
import type { RingService } from './ring.types';

const services: RingService[] = [
  { id: 'a1', region: 'eu', weight: 2 },
  { id: 'a2', region: 'eu', weight: 1 },
  { id: 'b1', region: 'us', weight: 2 },
  { id: 'b2', region: 'us', weight: 1 },
  { id: 'c1', region: 'asia', weight: 2 },
  { id: 'd1', region: 'onprem', weight: 1 },
  { id: 'z0', region: 'onprem', weight: 0 },
];
const { ring: sut } = buildRing({ option: 'standard', version: 3, createdAt: 42, replicas: 3, partitionPower: 9, services });

describe('Ring', () => {
  it('exposes its metadata', () => {
    expect(sut).toMatchObject({ option: 'standard', version: 3, createdAt: 42, replicas: 3, partitionPower: 9, partitionCount: 512 });
    expect(sut.services.map((s) => s.id)).toEqual(['a1', 'a2', 'b1', 'b2', 'c1', 'd1', 'z0']);
    expect(sut.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.isFrozen(sut.services)).toBe(true);
  });

  it('maps an object to the top P bits of its hash', () => {
    expect(sut.partitionOf('acct', 'photos', 'cat.jpg')).toBe(partitionOf(9, 'acct', 'photos', 'cat.jpg'));
  });

  it('fills a caller-supplied array with the primaries and returns it', () => {
    const out = new Uint16Array(3);
    expect(sut.primaries(17, out)).toBe(out);
    expect([...out]).toEqual(sut.primaries(17));
    expect([0, 1, 2].map((r) => sut.primaryAt(17, r))).toEqual(sut.primaries(17));
    const numbers: number[] = [];
    expect(sut.primaries(17, numbers)).toEqual(sut.primaries(17));
  });

  it('rejects partitions and replicas out of range', () => {
    expect(() => sut.primaries(512)).toThrow(RangeError);
    expect(() => sut.primaries(-1)).toThrow(RangeError);
    expect(() => sut.primaries(1.5)).toThrow(RangeError);
    expect(() => sut.primaryAt(0, 3)).toThrow(RangeError);
  });

  it('resolves services by id and index', () => {
    expect(sut.serviceIndex('b2')).toBe(3);
    expect(sut.serviceIndex('nope')).toBe(-1);
    expect(sut.serviceAt(3)).toEqual({ id: 'b2', region: 'us', weight: 1 });
    expect(() => sut.serviceAt(7)).toThrow(RangeError);
  });

  it('counts partition-replicas and lists partitions per service consistently', () => {
    let total = 0;
    for (let i = 0; i < sut.services.length; i++) {
      const partitions = sut.partitionsOf(i);
      expect(partitions.length).toBe(sut.replicaCount(i));
      for (const p of partitions.slice(0, 20)) expect(sut.primaries(p)).toContain(i);
      total += sut.replicaCount(i);
    }
    expect(total).toBe(3 * 512);
    expect(sut.replicaCount(sut.serviceIndex('z0'))).toBe(0);
  });

  describe('handoffs', () => {
    it('lists every other service with weight, regions unused by the primaries first', () => {
      for (const p of [0, 1, 100, 511]) {
        const primaries = sut.primaries(p);
        const handoffs = sut.handoffs(p);
        const used = new Set(primaries.map((i) => sut.services[i].region));
        expect(handoffs.some((i) => primaries.includes(i))).toBe(false);
        expect(handoffs).not.toContain(sut.serviceIndex('z0'));
        expect(new Set([...primaries, ...handoffs]).size).toBe(6);
        const firstUsed = handoffs.findIndex((i) => used.has(sut.services[i].region));
        if (firstUsed >= 0) expect(handoffs.slice(firstUsed).every((i) => used.has(sut.services[i].region))).toBe(true);
        expect(sut.handoffs(p)).toEqual(handoffs);
      }
    });

    it('spreads the first handoff over the services of the unused regions', () => {
      const wide = Array.from({ length: 12 }, (_, i) => ({ id: `s${i}`, region: `r${i % 4}`, weight: 1 }));
      const { ring } = buildRing({ option: 'standard', version: 1, createdAt: 0, replicas: 3, partitionPower: 9, services: wide });
      const firsts = new Set(Array.from({ length: 512 }, (_, p) => ring.handoffs(p)[0]));
      expect(firsts.size).toBe(12);
    });

    it('keeps its order when an unrelated service joins', () => {
      const { ring: grown } = buildRing({
        option: 'standard',
        version: 4,
        createdAt: 43,
        replicas: 3,
        partitionPower: 9,
        services: [...services, { id: 'e1', region: 'mars', weight: 1 }],
        previous: sut,
      });
      const ids = (ring: Ring, list: number[]) => list.map((i) => ring.services[i].id);
      let compared = 0;
      for (let p = 0; p < 512; p++) {
        if (ids(sut, sut.primaries(p)).join() !== ids(grown, grown.primaries(p)).join()) continue;
        compared++;
        expect(ids(grown, grown.handoffs(p)).filter((id) => id !== 'e1')).toEqual(ids(sut, sut.handoffs(p)));
      }
      expect(compared).toBeGreaterThan(300);
    });
  });

  describe('create', () => {
    const data = sut.data();

    it('equals the built ring for the same data', () => {
      expect(Ring.create(data).checksum).toBe(sut.checksum);
    });

    it('copies the table', () => {
      const table = Uint16Array.from(data.table);
      const ring = Ring.create({ ...data, table });
      table[0] = table[1];
      expect(ring.primaries(0)).toEqual(sut.primaries(0));
    });

    it('rejects a partition holding one service twice', () => {
      const table = Uint16Array.from(data.table);
      table[1] = table[0];
      expect(() => Ring.create({ ...data, table })).toThrow(RingInputError);
      expect(() => Ring.create({ ...data, table })).toThrow(/partition 0 has two replicas on service/);
    });

    it('rejects an index beyond the services', () => {
      const table = Uint16Array.from(data.table);
      table[5] = 7;
      expect(() => Ring.create({ ...data, table })).toThrow(/partition 1 replica 2 points at service 7, only 7 exist/);
    });
  });
});
