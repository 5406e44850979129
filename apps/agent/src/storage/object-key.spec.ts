import { compareNames, containerKey, objectKey, parseKey } from './object-key';

describe('object keys', () => {
  it('round-trips object and container keys, with / in object names', () => {
    const o = { account: 'alice', container: 'photos', name: '2024/a b/ü.jpg' };
    expect(parseKey(objectKey(o))).toEqual({ kind: 'object', ...o });
    expect(parseKey(containerKey(o))).toEqual({ kind: 'container', account: 'alice', container: 'photos' });
  });

  it('ignores keys it did not write', () => {
    for (const k of ['.mcos-probe/x', 'o/alice/photos/', 'c/alice', 'c/a/b/c', 'x/a/b/c']) expect(parseKey(k)).toBeUndefined();
  });

  it('orders names by code point (UTF-8 byte order)', () => {
    const names = ['b', 'a', '\u{1F600}', '\uFFFD', 'ab', 'a/'];
    expect([...names].sort(compareNames)).toEqual(['a', 'a/', 'ab', 'b', '\uFFFD', '\u{1F600}']);
    const bytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...names].sort(compareNames)).toEqual(bytes);
  });
});
