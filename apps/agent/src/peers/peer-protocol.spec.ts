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
