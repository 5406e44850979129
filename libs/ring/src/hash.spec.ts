import { describe, expect, it } from '@jest/globals';
import { hash32, objectHashHex, partitionOf } from './hash';
import { Prng } from './prng';

/** Straightforward BigInt FNV-1a 64 + fmix64, the definition the fast code must match. */
function reference(account: string, container: string, object: string): string {
  const mask = (1n << 64n) - 1n;
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(`/${account}/${container}/${object}`, 'utf8')) {
    h = ((h ^ BigInt(byte)) * 0x100000001b3n) & mask;
  }
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & mask;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & mask;
  h ^= h >> 33n;
  return h.toString(16).padStart(16, '0');
}

function randomString(rng: Prng, length: number): string {
  const alphabet = ['a', 'Z', '0', '/', ' ', 'é', 'ß', '中', '文', '😀', '\ud800', '\udc00', '\u0000', '\u07ff', '\uffff'];
  return Array.from({ length }, () => alphabet[rng.below(alphabet.length)]).join('');
}

describe('object hash', () => {
  it('matches the BigInt reference on ASCII, multi-byte, astral and lone-surrogate strings', () => {
    const rng = new Prng(7);
    for (let i = 0; i < 500; i++) {
      const [a, c, o] = [randomString(rng, rng.below(6)), randomString(rng, rng.below(8)), randomString(rng, rng.below(40))];
      expect(objectHashHex(a, c, o)).toBe(reference(a, c, o));
    }
  });

  // These values fix where every stored object lives: they must never change
  // (also checked against an independent Python implementation).
  it.each([
    ['AUTH_alice', 'photos', 'cat.jpg', 'f9598d01d361950f'],
    ['a', 'c', 'o', 'ff44dbd7c0093943'],
    ['user', 'données', 'résumé 😀.pdf', '9a7fedf73dcf457a'],
  ])('is pinned: /%s/%s/%s', (account, container, object, hex) => {
    expect(objectHashHex(account, container, object)).toBe(hex);
  });

  it.each([
    [8, 'AUTH_alice', 'photos', 'cat.jpg', 249],
    [14, 'AUTH_alice', 'photos', 'cat.jpg', 15958],
    [18, 'a', 'c', 'o', 261395],
    [22, 'user', 'données', 'résumé 😀.pdf', 2531323],
  ])('pins partitionOf(P=%i, /%s/%s/%s)', (power, account, container, object, partition) => {
    expect(partitionOf(power, account, container, object)).toBe(partition);
  });

  it('takes the top P bits of the hash', () => {
    const top = parseInt(objectHashHex('x', 'y', 'z').slice(0, 8), 16);
    expect(partitionOf(12, 'x', 'y', 'z')).toBe(top >>> 20);
    expect(hash32('abc')).toBe(parseInt(objectHashHex('', '', 'abc').slice(0, 8), 16));
  });

  it('spreads names evenly over partitions', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 256 * 200; i++) counts[partitionOf(8, 'acct', 'cont', `object-${i}`)]++;
    expect(Math.min(...counts)).toBeGreaterThan(130);
    expect(Math.max(...counts)).toBeLessThan(270);
  });
});
