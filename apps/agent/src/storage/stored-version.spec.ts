import type { StoredObjectInfo } from '@mcos/backends';
import type { ReplicaVersion } from './replica-version';
import { systemMetaOf, versionFromInfo } from './stored-version';

const version: ReplicaVersion = {
  timestamp: '0000019a00000000.000001.a1',
  deleted: false,
  option: 'standard',
  size: 3,
  etag: 'abc',
  contentType: 'text/plain',
  userMeta: { colour: 'blue' },
  objectHeaders: { 'content-encoding': 'gzip', 'cache-control': 'max-age=60', expires: 'Thu, 01 Jan 2037 00:00:00 GMT' },
};

function info(systemMeta: Record<string, string>): StoredObjectInfo {
  return { key: 'k', size: 3, etag: 'abc', lastModified: new Date(0), contentType: 'text/plain', userMeta: { colour: 'blue' }, systemMeta };
}

describe('object headers kept with a version', () => {
  it('round-trip through the backend system metadata', () => {
    const meta = systemMetaOf(version);
    expect(meta['h-content-encoding']).toBe('gzip');
    expect(versionFromInfo(info(meta))).toEqual(version);
  });

  it('are absent when the writer set none', () => {
    const { objectHeaders: _none, ...plain } = version;
    const back = versionFromInfo(info(systemMetaOf(plain)));
    expect(back).toEqual(plain);
    expect('objectHeaders' in back).toBe(false);
  });
});
