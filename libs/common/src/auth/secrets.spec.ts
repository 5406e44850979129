import { describe, expect, it } from '@jest/globals';
import { generateSecret, secretsEqual } from './secrets';

describe('secrets', () => {
  it('generates distinct url-safe secrets', () => {
    const sut = generateSecret();
    expect(sut).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateSecret()).not.toBe(sut);
  });

  it('compares presented secrets with the expected one', () => {
    expect(secretsEqual('s3cret', 's3cret')).toBe(true);
    expect(secretsEqual(['s3cret'], 's3cret')).toBe(true);
    expect(secretsEqual('s3cre', 's3cret')).toBe(false);
    expect(secretsEqual(undefined, 's3cret')).toBe(false);
    expect(secretsEqual('', '')).toBe(false);
  });
});
