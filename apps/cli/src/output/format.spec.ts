import { describe, expect, it } from '@jest/globals';
import { formatBytes, formatTable } from './format';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [21, '21 B'],
    [1024, '1.0 KiB'],
    [20 * 1024 * 1024, '20.0 MiB'],
    [5 * 1024 ** 3, '5.0 GiB'],
  ])('%i -> %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatTable', () => {
  it('aligns columns two spaces apart, numbers to the right, no trailing spaces', () => {
    const sut = formatTable(['NAME', 'SIZE', 'NOTE'], [['a', '1', ''], ['bbb', '100', 'x']], [1]);
    expect(sut).toBe('NAME  SIZE  NOTE\na        1\nbbb    100  x\n');
  });
});
