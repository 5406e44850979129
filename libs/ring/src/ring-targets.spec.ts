import { describe, expect, it } from '@jest/globals';
import { computeIdeals, computeTargets } from './ring-targets';
import type { RingService } from './ring.types';

const T = 1024;
const sum = (values: ArrayLike<number>): number => Array.from(values).reduce((a, b) => a + b, 0);
const services = (weights: number[], regions: string[]): RingService[] =>
  weights.map((weight, i) => ({ id: `s${i}`, region: regions[i], weight }));

describe('computeIdeals', () => {
  it('is the weight share when no region is near 1/R', () => {
    const sut = computeIdeals(services([1, 2, 3, 4, 2, 0], ['a', 'b', 'c', 'd', 'e', 'e']), 3, T);
    expect(sut.sparse).toBe(true);
    expect(sut.regionNames).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(Array.from(sut.ideal)).toEqual(Array.from(sut.weightIdeal));
    expect(sut.ideal[3]).toBeCloseTo((3 * T * 4) / 12, 9);
    expect(sut.ideal[5]).toBe(0);
    expect(sut.regionOf[5]).toBe(-1);
  });

  it('caps a heavy region at one replica per partition and shares the rest by weight', () => {
    const sut = computeIdeals(services([6, 1, 1, 2], ['big', 'x', 'y', 'z']), 3, T);
    expect(sut.ideal[0]).toBeCloseTo(T, 6);
    expect(sut.ideal[1]).toBeCloseTo(T / 2, 6);
    expect(sut.ideal[3]).toBeCloseTo(T, 6); // capped too: 2 of the remaining 4 wanted 1·T
    expect(sum(sut.ideal)).toBeCloseTo(3 * T, 6);
  });

  it('splits a capped region by weight', () => {
    const sut = computeIdeals(services([6, 3, 1, 1, 1], ['big', 'big', 'x', 'y', 'z']), 3, T);
    expect(sut.ideal[0] + sut.ideal[1]).toBeCloseTo(T, 6);
    expect(sut.ideal[0] / sut.ideal[1]).toBeCloseTo(2, 6);
  });

  it('gives every region at least one replica per partition when there are fewer regions than R', () => {
    const sut = computeIdeals(services([10, 10, 10, 1], ['a', 'a', 'a', 'b']), 3, T);
    expect(sut.sparse).toBe(false);
    expect(sut.ideal[3]).toBeCloseTo(T, 6);
    expect(sut.ideal[0]).toBeCloseTo((2 * T) / 3, 6);
  });

  it('never asks more than one replica per partition of a service', () => {
    const sut = computeIdeals(services([100, 1, 1], ['a', 'a', 'a']), 2, T);
    expect(sut.ideal[0]).toBeCloseTo(T, 6);
    expect(sut.ideal[1]).toBeCloseTo(T / 2, 6);
  });
});

describe('computeTargets', () => {
  const ideals = computeIdeals(services([1, 1, 1, 1, 1, 1, 1], ['a', 'b', 'c', 'a', 'b', 'c', 'd']), 3, T);

  it('rounds every ideal to its floor or ceiling, summing to R·2^P', () => {
    const sut = computeTargets(ideals);
    expect(sum(sut)).toBe(3 * T);
    sut.forEach((t, i) => expect(Math.abs(t - ideals.ideal[i])).toBeLessThan(1));
  });

  it('prefers giving the ceiling to services that already hold it', () => {
    const plain = computeTargets(ideals);
    const current = Int32Array.from(plain, (t) => (t === Math.floor(ideals.ideal[0]) ? t + 1 : t - 1));
    const sut = computeTargets(ideals, current);
    expect(sum(sut)).toBe(3 * T);
    sut.forEach((t, i) => {
      if (current[i] > Math.floor(ideals.ideal[i])) expect(t).toBe(Math.ceil(ideals.ideal[i]));
    });
  });
});
