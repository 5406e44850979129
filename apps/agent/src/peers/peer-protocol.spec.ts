import type { ReplicaVersion } from '../storage/replica-version';
import { versionFromHeaders, versionToHeaders } from './peer-protocol';

const version: ReplicaVersion = {
  timestamp: '0000019a00000000.000001.a1',
  deleted: false,
  option: 'standard',
  size: 3,
  etag: 'abc',
  contentType: 'text/plain',
  userMeta: { colour: 'blue' },
  objectHeaders: { 'content-encoding': 'gzip', 'cache-control': 'max-age=60' },
};

describe('peer protocol: a version in headers', () => {
  it('round-trip through the peer protocol; a malformed header is refused', () => {
    const headers = versionToHeaders(version);
    expect(versionFromHeaders(headers)).toEqual(version);
    const { objectHeaders: _none, ...plain } = version;
    expect(versionToHeaders(plain)['x-mcos-object-headers']).toBeUndefined();
    expect(() => versionFromHeaders({ ...headers, 'x-mcos-object-headers': encodeURIComponent('[1]') })).toThrow(/x-mcos-object-headers/);
    expect(() => versionFromHeaders({ ...headers, 'x-mcos-object-headers': encodeURIComponent('{"a":1}') })).toThrow(/x-mcos-object-headers/);
  });
});

describe('peer protocol: a multipart manifest version', () => {
  it('carries the object summary in x-mcos-multipart and refuses a malformed one', () => {
    const manifest: ReplicaVersion = { ...version, multipart: { size: 15 << 20, etag: `${'0123456789abcdef'.repeat(2)}-3`, parts: 3 } };
    const headers = versionToHeaders(manifest);
    expect(headers['x-mcos-multipart']).toBe(`${15 << 20}:3:${'0123456789abcdef'.repeat(2)}-3`);
    expect(versionFromHeaders(headers)).toEqual(manifest);
    expect(versionToHeaders(version)['x-mcos-multipart']).toBeUndefined();
    for (const bad of ['', '1:2', '-1:1:x-1', `1:1:${'g'.repeat(32)}-1`]) expect(() => versionFromHeaders({ ...headers, 'x-mcos-multipart': bad })).toThrow(/x-mcos-multipart/);
  });
});
