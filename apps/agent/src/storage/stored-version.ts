import type { StoredObjectInfo } from '@mcos/backends';
import type { OutgoingVersion, ReplicaVersion } from './replica-version';

/** Names of the MCOS bookkeeping kept in the backend's system metadata. */
const SYS = { timestamp: 'ts', deleted: 'deleted', option: 'option' } as const;
/** Each of a version's objectHeaders is kept as system metadata `h-<header name>`. */
const HEADER_PREFIX = 'h-';

/** The system metadata a backend stores with a version. */
export function systemMetaOf(version: OutgoingVersion): Record<string, string> {
  const meta: Record<string, string> = {
    [SYS.timestamp]: version.timestamp,
    [SYS.deleted]: version.deleted ? '1' : '0',
    [SYS.option]: version.option,
  };
  if (version.objectHeaders) for (const [name, value] of Object.entries(version.objectHeaders)) meta[HEADER_PREFIX + name] = value;
  return meta;
}

/** The objectHeaders kept in a backend's system metadata; undefined when there are none. */
function objectHeadersOf(systemMeta: Record<string, string>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(systemMeta)) {
    if (name.startsWith(HEADER_PREFIX)) (out ??= {})[name.slice(HEADER_PREFIX.length)] = value;
  }
  return out;
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
    ...withObjectHeaders(objectHeadersOf(info.systemMeta)),
  };
}

function withObjectHeaders(headers: Record<string, string> | undefined): { objectHeaders?: Record<string, string> } {
  return headers ? { objectHeaders: headers } : {};
}
