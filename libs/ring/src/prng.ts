import { hash32 } from './hash';

/**
 * Seeded pseudo-random generator (mulberry32): the builder's only source of
 * randomness, so the same input always yields the same ring.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Seeded from a string, e.g. the option name. */
  static fromString(seed: string): Prng {
    return new Prng(hash32(seed));
  }

  /** Uniform 32-bit unsigned integer. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Integer in [0, n) for 1 <= n <= 2^32. */
  below(n: number): number {
    return Math.floor((this.next() / 4294967296) * n);
  }
}
