import { describe, expect, it } from '@jest/globals';
import type { Ring } from './ring';
import { buildRing } from './ring-builder';
import { diffRings } from './ring-diff';
import { RingInputError } from './ring.errors';
import type { RingBuildInput, RingService } from './ring.types';
import { partitionsWithDuplicateServices } from './testing/random-cluster';

const base = { option: 'standard', version: 1, createdAt: 1_700_000_000_000, replicas: 3, partitionPower: 10 };

function sut(services: readonly RingService[], overrides: Partial<RingBuildInput> = {}) {
  return buildRing({ ...base, services, ...overrides });
}

function cluster(regions: number, perRegion: number, weight = (i: number) => 1 + (i % 4)): RingService[] {
  return Array.from({ length: regions * perRegion }, (_, i) => ({ id: `svc-${i}`, region: `region-${i % regions}`, weight: weight(i) }));
}

function regionsOf(ring: Ring, partition: number): Set<string> {
  return new Set(ring.primaries(partition).map((i) => ring.services[i].region));
}

describe('buildRing', () => {
  it('puts everything on the only service when R = 1', () => {
    const { ring, report } = sut([{ id: 'only', region: 'r', weight: 5 }], { replicas: 1 });
    expect(ring.replicaCount(0)).toBe(ring.partitionCount);
    expect(report.balancePercent).toBe(0);
    expect(report.dispersionPercent).toBe(100);
    expect(report.settled).toBe(true);
  });

  it('gives every partition every service when R equals the number of services', () => {
    const services = cluster(3, 1, (i) => i + 1);
    const { ring, report } = sut(services);
    for (let i = 0; i < 3; i++) expect(ring.replicaCount(i)).toBe(ring.partitionCount);
    expect(partitionsWithDuplicateServices(ring)).toBe(0);
    expect(report.dispersionPercent).toBe(100);
  });

  it('uses distinct services within a single region', () => {
    const { ring, report } = sut(cluster(1, 7));
    expect(partitionsWithDuplicateServices(ring)).toBe(0);
    expect(report.regionCount).toBe(1);
    expect(report.dispersionPercent).toBe(100);
    expect(report.balancePercent).toBeLessThan(1);
  });

  it('spans every region when there are fewer regions than replicas', () => {
    const services = [...cluster(1, 6), { id: 'lonely', region: 'small', weight: 0.5 }];
    const { ring, report } = sut(services);
    for (let p = 0; p < ring.partitionCount; p++) expect(regionsOf(ring, p).size).toBe(2);
    // Dispersion first: the small region holds one replica of every partition.
    expect(ring.replicaCount(ring.serviceIndex('lonely'))).toBe(ring.partitionCount);
    expect(report.rawBalancePercent).toBeGreaterThan(100);
    expect(report.balancePercent).toBeLessThan(1);
  });

  it('gives a zero-weight service nothing and keeps it in the ring', () => {
    const services = [...cluster(3, 2), { id: 'idle', region: 'region-0', weight: 0 }];
    const { ring } = sut(services);
    expect(ring.serviceIndex('idle')).toBeGreaterThanOrEqual(0);
    expect(ring.replicaCount(ring.serviceIndex('idle'))).toBe(0);
  });

  it('caps a region holding more than 1/R of the weight and balances against the capped ideal', () => {
    const services = cluster(5, 4, (i) => (i % 5 === 0 ? 8 : 1 + (i % 3)));
    const { ring, report } = sut(services, { partitionPower: 12 });
    const heavy = report.shares.filter((s) => s.region === 'region-0');
    expect(heavy.reduce((n, s) => n + s.weightIdeal, 0)).toBeGreaterThan(ring.partitionCount);
    expect(heavy.reduce((n, s) => n + s.count, 0)).toBe(ring.partitionCount);
    expect(report.dispersionPercent).toBe(100);
    expect(report.balancePercent).toBeLessThan(1);
    expect(report.rawBalancePercent).toBeGreaterThan(10);
  });

  it('balances within 1% with unequal weights over 5 regions', () => {
    const { report } = sut(cluster(5, 6, (i) => 1 + ((i * 7) % 4)), { partitionPower: 14 });
    expect(report.balancePercent).toBeLessThan(1);
    expect(report.rawBalancePercent).toBeLessThan(1);
    expect(report.dispersionPercent).toBe(100);
  });

  it('is byte-identical for the same input in any order', () => {
    const services = cluster(4, 3);
    const first = sut(services).ring;
    const second = sut([...services].reverse()).ring;
    expect(second.checksum).toBe(first.checksum);
    expect(Buffer.from(second.serialize()).equals(Buffer.from(first.serialize()))).toBe(true);
    expect(sut(services, { option: 'other' }).ring.checksum).not.toBe(first.checksum);
  });

  describe('rebalancing', () => {
    const services = cluster(5, 4);
    const first = sut(services, { partitionPower: 12 });
    const next = (list: RingService[]) => sut(list, { partitionPower: 12, version: 2, previous: first.ring });

    it('moves only what the added service needs', () => {
      const { ring, report } = next([...services, { id: 'new', region: 'region-2', weight: 2 }]);
      const added = report.shares.find((s) => s.id === 'new');
      expect(report.moved).toBe(report.minimumMoves);
      expect(report.moved).toBeLessThanOrEqual(Math.ceil((added?.ideal ?? 0) * 1.05));
      expect(ring.replicaCount(ring.serviceIndex('new'))).toBe(report.moved);
      expect(report.settled).toBe(true);
      expect(Math.max(...countPerPartition(diffRings(first.ring, ring)))).toBe(1);
    });

    it('moves exactly the replicas of a removed service', () => {
      const removed = services[7];
      const { ring, report } = next(services.filter((s) => s !== removed));
      expect(ring.serviceIndex(removed.id)).toBe(-1);
      expect(report.forcedMoves).toBe(first.ring.replicaCount(first.ring.serviceIndex(removed.id)));
      expect(report.moved).toBe(report.minimumMoves);
      expect(report.multiMovePartitions).toBe(0);
      expect(diffRings(first.ring, ring).every((m) => m.fromId === removed.id)).toBe(true);
    });

    it('treats a service reweighted to 0 like a removed one', () => {
      const idle = services[3].id;
      const { ring, report } = next(services.map((s) => (s.id === idle ? { ...s, weight: 0 } : s)));
      expect(ring.replicaCount(ring.serviceIndex(idle))).toBe(0);
      expect(report.forcedMoves).toBe(first.ring.replicaCount(first.ring.serviceIndex(idle)));
    });

    it('moves all replicas that sat on removed services, reporting such partitions', () => {
      const small = cluster(5, 1);
      const before = sut(small).ring;
      const { ring, report } = sut(small.slice(2).concat(cluster(7, 1).slice(5)), { version: 2, previous: before });
      expect(report.multiMovePartitions).toBeGreaterThan(0);
      expect(partitionsWithDuplicateServices(ring)).toBe(0);
      const gone = new Set(small.slice(0, 2).map((s) => s.id));
      for (const move of diffRings(before, ring)) expect(gone.has(move.fromId) || !gone.has(move.toId)).toBe(true);
    });

    it('needs several steps after a big change, each moving at most one replica per partition', () => {
      const old = cluster(4, 1, () => 1);
      const grown = [...old, ...Array.from({ length: 4 }, (_, i) => ({ id: `new-${i}`, region: `new-region-${i}`, weight: 1 }))];
      let ring = sut(old).ring;
      const steps: number[] = [];
      for (let version = 2; version < 8; version++) {
        const result = sut(grown, { version, previous: ring });
        expect(Math.max(0, ...countPerPartition(diffRings(ring, result.ring)))).toBeLessThanOrEqual(1);
        ring = result.ring;
        steps.push(result.report.remainingMoves);
        if (result.report.settled) break;
      }
      expect(steps.length).toBeGreaterThan(1);
      expect(steps[steps.length - 1]).toBe(0);
    });

    it('keeps a settled ring as it is', () => {
      const { ring, report } = next(services);
      expect(report.moved).toBe(0);
      expect(ring.checksum).not.toBe(first.ring.checksum); // the version differs
      expect(diffRings(first.ring, ring)).toEqual([]);
    });
  });

  describe('input validation', () => {
    const ok = cluster(2, 2);
    it.each<[string, Partial<RingBuildInput>, RegExp]>([
      ['R above the active services', { replicas: 5 }, /replicas \(5\) exceeds the number of services with weight > 0 \(4\)/],
      ['R < 1', { replicas: 0 }, /replicas must be an integer >= 1/],
      ['fractional R', { replicas: 1.5 }, /replicas must be an integer/],
      ['P too small', { partitionPower: 7 }, /partitionPower must be an integer from 8 to 22, got 7/],
      ['P too large', { partitionPower: 23 }, /partitionPower must be an integer from 8 to 22/],
      ['no services', { services: [] }, /services must be a non-empty array/],
      ['zero total weight', { services: ok.map((s) => ({ ...s, weight: 0 })) }, /total weight is zero/],
      ['duplicate ids', { services: [...ok, ok[0]] }, /duplicate service id "svc-0"/],
      ['empty id', { services: [...ok, { id: '', region: 'r', weight: 1 }] }, /services\[4\]\.id must be a non-empty string/],
      ['empty region', { services: [...ok, { id: 'x', region: '', weight: 1 }] }, /service "x": region must be a non-empty string/],
      ['negative weight', { services: [...ok, { id: 'x', region: 'r', weight: -1 }] }, /service "x": weight must be a finite number >= 0, got -1/],
      ['NaN weight', { services: [...ok, { id: 'x', region: 'r', weight: NaN }] }, /weight must be a finite number/],
      ['infinite weight', { services: [...ok, { id: 'x', region: 'r', weight: Infinity }] }, /weight must be a finite number/],
      ['empty option', { option: '' }, /option must be a non-empty string/],
      ['negative version', { version: -1 }, /version must be a safe integer >= 0/],
      ['fractional createdAt', { createdAt: 1.5 }, /createdAt must be a safe integer/],
    ])('rejects %s', (_, overrides, message) => {
      expect(() => sut(ok, { replicas: 2, ...overrides })).toThrow(RingInputError);
      expect(() => sut(ok, { replicas: 2, ...overrides })).toThrow(message);
    });

    it('rejects a previous ring that does not fit', () => {
      const previous = sut(ok, { replicas: 2, version: 5 }).ring;
      const again = (overrides: Partial<RingBuildInput>) => () => sut(ok, { replicas: 2, version: 6, previous, ...overrides });
      expect(again({ option: 'gold' })).toThrow(/previous ring belongs to option "standard"/);
      expect(again({ partitionPower: 11 })).toThrow(/partitionPower cannot change/);
      expect(again({ replicas: 3 })).toThrow(/replicas cannot change/);
      expect(again({ version: 5 })).toThrow(/version \(5\) must be greater than the previous ring's \(5\)/);
    });

    it('names the code on the error', () => {
      expect(() => sut(ok, { replicas: 9 })).toThrow(expect.objectContaining({ code: 'RING_INPUT_INVALID', name: 'RingInputError' }));
    });
  });
});

function countPerPartition(moves: readonly { partition: number }[]): number[] {
  const counts = new Map<number, number>();
  for (const m of moves) counts.set(m.partition, (counts.get(m.partition) ?? 0) + 1);
  return [...counts.values()];
}
