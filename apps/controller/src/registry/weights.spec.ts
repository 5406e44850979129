import { describe, expect, it } from '@jest/globals';
import type { RegisteredService } from './registered-service';
import { weightFor } from './weights';

const GIB = 1024 ** 3;

function service(name: string, weight: number, extra: Partial<RegisteredService> = {}): RegisteredService {
  return {
    name,
    url: `http://${name}`,
    region: 'r',
    backend: 'fs',
    status: 'ACTIVE',
    weight,
    weightSource: 'capacity',
    distancesMs: {},
    registeredAt: 0,
    updatedAt: 0,
    ...extra,
  };
}

describe('weightFor', () => {
  it('uses a configured weight', () => {
    expect(weightFor({ weight: 2.5, capacityTotalBytes: 100 * GIB }, undefined, [])).toEqual({ weight: 2.5, weightSource: 'configured' });
  });

  it('derives the weight from capacity in GiB', () => {
    expect(weightFor({ capacityTotalBytes: 512 * GIB }, undefined, [])).toEqual({ weight: 512, weightSource: 'capacity' });
    expect(weightFor({ capacityTotalBytes: 1 }, undefined, []).weight).toBe(0.001);
  });

  it('keeps the weight a service already had, so a restart moves nothing', () => {
    const existing = service('a', 100);
    expect(weightFor({ capacityTotalBytes: 999 * GIB }, existing, [])).toEqual({ weight: 100, weightSource: 'capacity' });
    expect(weightFor({}, { ...existing, weightSource: 'configured' }, [])).toEqual({ weight: 1, weightSource: 'default' });
  });

  it('falls back to the mean weight of the others (ignoring REMOVED), or 1', () => {
    const others = [service('a', 100), service('b', 300), service('c', 1000, { status: 'REMOVED' })];
    expect(weightFor({}, undefined, others)).toEqual({ weight: 200, weightSource: 'default' });
    expect(weightFor({}, undefined, [])).toEqual({ weight: 1, weightSource: 'default' });
  });
});
