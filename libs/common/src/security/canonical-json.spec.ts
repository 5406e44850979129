import { describe, expect, it } from '@jest/globals';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    const sut = canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true }, u: undefined });
    expect(sut).toBe('{"a":{"c":true,"d":[1,"x",null]},"b":1}');
    expect(canonicalJson({ a: { c: true, d: [1, 'x', null] }, b: 1 })).toBe(sut);
  });

  it('gives the same bytes after a JSON round trip', () => {
    const value = { version: 7, services: [{ name: 'a', weight: 1.5 }], text: 'é\n"' };
    expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value));
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ a: Infinity })).toThrow(TypeError);
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
  });
});
