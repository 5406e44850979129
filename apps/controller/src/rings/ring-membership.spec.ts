import { describe, expect, it } from '@jest/globals';
import type { RegisteredService } from '../registry/registered-service';
import { eligibleMembers, sameMembers } from './ring-membership';

function service(name: string, region: string, extra: Partial<RegisteredService> = {}): RegisteredService {
  return { name, url: '', region, backend: 'fs', status: 'ACTIVE', weight: 1, weightSource: 'default', distancesMs: {}, registeredAt: 0, updatedAt: 0, ...extra };
}

describe('eligibleMembers', () => {
  const services = [
    service('c', 'us'),
    service('a', 'eu'),
    service('b', 'eu', { status: 'DISCONNECTED' }),
    service('d', 'eu', { status: 'SHUTOFF' }),
    service('e', 'eu', { status: 'REMOVED' }),
    service('f', 'eu', { weight: 0 }),
  ];

  it('keeps every service but REMOVED and weight-0 ones, sorted by name', () => {
    expect(eligibleMembers({ name: 'o', replicas: 1, writeQuorum: 1, readQuorum: 1 }, services).map((m) => m.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('applies placement regions and services (both must match)', () => {
    const base = { name: 'o', replicas: 1, writeQuorum: 1, readQuorum: 1 };
    expect(eligibleMembers({ ...base, placement: { regions: ['us'] } }, services).map((m) => m.name)).toEqual(['c']);
    expect(eligibleMembers({ ...base, placement: { services: ['a', 'c'] } }, services).map((m) => m.name)).toEqual(['a', 'c']);
    expect(eligibleMembers({ ...base, placement: { regions: ['eu'], services: ['a', 'c'] } }, services).map((m) => m.name)).toEqual(['a']);
    expect(eligibleMembers({ ...base, placement: { regions: [] } }, services)).toHaveLength(4);
  });
});

describe('sameMembers', () => {
  it('compares names, regions and weights, ignoring order', () => {
    const a = { name: 'a', region: 'r1', weight: 1 };
    const b = { name: 'b', region: 'r2', weight: 2 };
    expect(sameMembers([a, b], [b, a])).toBe(true);
    expect(sameMembers([a, b], [a])).toBe(false);
    expect(sameMembers([a, b], [a, { ...b, weight: 3 }])).toBe(false);
    expect(sameMembers([a, b], [a, { ...b, region: 'r3' }])).toBe(false);
  });
});
