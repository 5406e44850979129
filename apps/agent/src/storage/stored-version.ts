import type { StoredObjectInfo } from '@mcos/backends';
import type { OutgoingVersion, ReplicaVersion } from './replica-version';

/** Names of the MCOS bookkeeping kept in the backend's system metadata. */
const SYS = { timestamp: 'ts', deleted: 'deleted', option: 'option' } as const;

/** The system metadata a backend stores with a version. */
export function systemMetaOf(version: OutgoingVersion): Record<string, string> {
  return {
    [SYS.timestamp]: version.timestamp,
    [SYS.deleted]: version.deleted ? '1' : '0',
    [SYS.option]: version.option,
  };
}

/** True when a listed item carries MCOS's bookkeeping (some backends list without metadata). */
export function hasSystemMeta(info: Pick<StoredObjectInfo, 'systemMeta'>): boolean {
  return Boolean(info.systemMeta[SYS.timestamp]);
}

/** Reads MCOS's bookkeeping back from what the backend stored. */
export function versionFromInfo(info: StoredObjectInfo): ReplicaVersion {
  return {
    timestamp: info.systemMeta[SYS.timestamp] ?? '',
    deleted: info.systemMeta[SYS.deleted] === '1',
    option: info.systemMeta[SYS.option] ?? '',
    size: info.size,
    etag: info.etag,
    contentType: info.contentType,
    userMeta: info.userMeta,
  };
}
