import { decodeHeaderValue, encodeHeaderValue, parseContentRange } from './header-encoding';

describe('header encoding', () => {
  it('keeps printable ASCII, escapes the rest, and round-trips any Unicode', () => {
    for (const v of ['plain', 'a b', '100%', 'ünïcödé', '😀 tab\t', '']) {
      const encoded = encodeHeaderValue(v);
      expect(encoded).toMatch(/^[\x21-\x7e]*$/);
      expect(decodeHeaderValue(encoded)).toBe(v);
    }
    expect(encodeHeaderValue('a b%')).toBe('a%20b%25');
  });

  it('keeps a value with a malformed escape verbatim', () => {
    expect(decodeHeaderValue('50%off')).toBe('50%off');
  });

  it('parses Content-Range', () => {
    expect(parseContentRange('bytes 0-9/100')).toEqual({ start: 0, end: 9, total: 100 });
    expect(parseContentRange('bytes */100')).toBeUndefined();
    expect(parseContentRange(undefined)).toBeUndefined();
  });
});
