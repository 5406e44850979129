import { describe, expect, it } from '@jest/globals';

import { BackendUnavailableError, InvalidKeyError, InvalidMetadataError, InvalidRangeError, ObjectNotFoundError } from './backend.errors';
import { assertValidKey, assertValidRange, compareKeys, keyPrefix, normalizeListOptions, normalizeMeta, resolveRange, unlessMissing } from './backend-rules';

describe('compareKeys', () => {
  const alphabet = ['a', 'B', '/', ' ', '~', '\u007e', 'é', '\u0800', '\uE000', '\uFF21', '\uFFFD', '😀', '\u{10FFFF}', '\u{1F600}'];
  const randomKey = (rnd: () => number) => Array.from({ length: Math.floor(rnd() * 6) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');

  it('orders exactly as the UTF-8 bytes do', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const a = randomKey(rnd);
      const b = randomKey(rnd);
      expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }
  });

  it('puts U+FF21 before U+1F600 although UTF-16 says otherwise', () => {
    expect('\uFF21' < '😀').toBe(false);
    expect(compareKeys('\uFF21', '😀')).toBeLessThan(0);
  });
});

describe('assertValidKey', () => {
  it('accepts exactly maxKeyBytes UTF-8 bytes and rejects one more', () => {
    expect(() => assertValidKey('é'.repeat(512), 1024)).not.toThrow();
    expect(() => assertValidKey(`${'é'.repeat(511)}ab`, 1024)).not.toThrow();
    expect(() => assertValidKey(`${'é'.repeat(512)}a`, 1024)).toThrow(InvalidKeyError);
  });

  it('reserves .mcos- unless the driver asks for it', () => {
    expect(() => assertValidKey('.mcos-probe/x', 1024)).toThrow(InvalidKeyError);
    expect(() => assertValidKey('.mcos-probe/x', 1024, true)).not.toThrow();
    expect(() => assertValidKey('.mcosx', 1024)).not.toThrow();
  });
});

describe('keyPrefix', () => {
  it('leaves the rest of the 1024 bytes to keys, and checks the prefix like a key', () => {
    expect(keyPrefix(undefined)).toEqual({ prefix: '', maxKeyBytes: 1024 });
    expect(keyPrefix('agent-é/')).toEqual({ prefix: 'agent-é/', maxKeyBytes: 1024 - 9 });
    expect(keyPrefix('.mcos-x/').maxKeyBytes).toBe(1016);
    expect(() => keyPrefix('a\u0000/')).toThrow(InvalidKeyError);
    expect(() => keyPrefix('p'.repeat(1024))).toThrow(InvalidKeyError);
  });
});

describe('unlessMissing', () => {
  it('turns only ObjectNotFoundError into undefined', async () => {
    await expect(unlessMissing(Promise.resolve(7))).resolves.toBe(7);
    await expect(unlessMissing(Promise.reject(new ObjectNotFoundError('k')))).resolves.toBeUndefined();
    await expect(unlessMissing(Promise.reject(new BackendUnavailableError('down')))).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});

describe('normalizeMeta', () => {
  it('fills defaults and copies the maps', () => {
    const userMeta = { a: '1' };
    const m = normalizeMeta({ userMeta });
    expect(m).toEqual({ contentType: 'application/octet-stream', userMeta: { a: '1' }, systemMeta: {} });
    expect(m.userMeta).not.toBe(userMeta);
  });

  it('counts names and UTF-8 values of both maps against 2048 bytes', () => {
    expect(() => normalizeMeta({ userMeta: { a: 'x'.repeat(1023) }, systemMeta: { b: 'x'.repeat(1023) } })).not.toThrow();
    expect(() => normalizeMeta({ userMeta: { a: 'x'.repeat(1023) }, systemMeta: { b: 'é'.repeat(512) } })).toThrow(InvalidMetadataError);
  });

  it('rejects an empty content type and an over-long name', () => {
    expect(() => normalizeMeta({ contentType: '' })).toThrow(InvalidMetadataError);
    expect(() => normalizeMeta({ userMeta: { ['n'.repeat(129)]: 'x' } })).toThrow(InvalidMetadataError);
  });
});

describe('ranges and list options', () => {
  it('clamps the end to the last byte and refuses a start past it', () => {
    expect(resolveRange({ start: 5 }, 10)).toEqual({ start: 5, end: 9 });
    expect(resolveRange({ start: 5, end: 100 }, 10)).toEqual({ start: 5, end: 9 });
    expect(() => resolveRange({ start: 10 }, 10)).toThrow(InvalidRangeError);
    expect(() => assertValidRange({ start: 3, end: 2 })).toThrow(InvalidRangeError);
  });

  it('defaults the limit to 1000 and treats a bad one as a bug', () => {
    expect(normalizeListOptions(undefined)).toEqual({ prefix: '', marker: '', limit: 1000 });
    expect(() => normalizeListOptions({ limit: 0 })).toThrow(RangeError);
    expect(() => normalizeListOptions({ limit: 10001 })).toThrow(RangeError);
  });
});
