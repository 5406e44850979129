import { compareNames, containerKey, objectKey, parseKey, partKey, partName, uploadKey, uploadName } from './object-key';

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

describe('multipart keys', () => {
  const u = { account: 'alice', container: 'photos', name: 'dir/big file.bin', uploadId: 'AbCdEfGhIjKlMnOpQrStUvWxYz012345' };

  it('round-trips upload and part keys, object names with / included', () => {
    expect(uploadKey(u)).toBe('u/alice/photos/dir/big file.bin/AbCdEfGhIjKlMnOpQrStUvWxYz012345');
    expect(parseKey(uploadKey(u))).toEqual({ kind: 'upload', account: 'alice', container: 'photos', object: u.name, uploadId: u.uploadId, name: uploadName(u) });
    const p = { ...u, partNumber: 42 };
    expect(partKey(p)).toBe('p/alice/photos/dir/big file.bin/AbCdEfGhIjKlMnOpQrStUvWxYz012345/00042');
    expect(parseKey(partKey(p))).toEqual({ kind: 'part', account: 'alice', container: 'photos', object: u.name, uploadId: u.uploadId, partNumber: 42, name: partName(p) });
  });

  it('sorts parts by number and refuses malformed multipart keys', () => {
    const names = [10, 9, 100, 1].map((partNumber) => partName({ ...u, partNumber }));
    expect([...names].sort(compareNames).map((n) => Number(n.slice(-5)))).toEqual([1, 9, 10, 100]);
    for (const k of ['u/alice/photos/x', 'u/alice/photos/x/short', 'p/alice/photos/x/AbCdEfGhIjKlMnOpQrStUvWxYz012345/00000', 'p/alice/photos/x/AbCdEfGhIjKlMnOpQrStUvWxYz012345/10001', 'p/alice/photos/x/AbCdEfGhIjKlMnOpQrStUvWxYz012345/42', 'p/alice/photos/AbCdEfGhIjKlMnOpQrStUvWxYz012345/00001']) {
      expect(parseKey(k)).toBeUndefined();
    }
  });
});
