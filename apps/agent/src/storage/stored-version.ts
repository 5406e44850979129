import type { StoredObjectInfo } from '@mcos/backends';
import type { MultipartSummary, OutgoingVersion, ReplicaVersion } from './replica-version';

/** Names of the MCOS bookkeeping kept in the backend's system metadata. */
const SYS = { timestamp: 'ts', deleted: 'deleted', option: 'option', multipart: 'mp' } as const;
/** Each of a version's objectHeaders is kept as system metadata `h-<header name>`. */
const HEADER_PREFIX = 'h-';

/** The system metadata a backend stores with a version. */
export function systemMetaOf(version: OutgoingVersion): Record<string, string> {
  const meta: Record<string, string> = {
    [SYS.timestamp]: version.timestamp,
    [SYS.deleted]: version.deleted ? '1' : '0',
    [SYS.option]: version.option,
  };
  if (version.multipart) meta[SYS.multipart] = encodeMultipartSummary(version.multipart);
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
    ...withMultipart(decodeMultipartSummary(info.systemMeta[SYS.multipart])),
  };
}

/** `<size>:<parts>:<etag>`: small enough for any backend's metadata. */
export function encodeMultipartSummary(m: MultipartSummary): string {
  return `${m.size}:${m.parts}:${m.etag}`;
}

/** Undefined for an absent or malformed value (a version without it is an ordinary object). */
export function decodeMultipartSummary(value: string | undefined): MultipartSummary | undefined {
  const m = value === undefined ? null : /^(\d{1,16}):(\d{1,5}):([0-9a-f]{32}-\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const size = Number(m[1]);
  const parts = Number(m[2]);
  if (!Number.isSafeInteger(size) || parts < 1) return undefined;
  return { size, parts, etag: m[3] };
}

function withMultipart(m: MultipartSummary | undefined): { multipart?: MultipartSummary } {
  return m ? { multipart: m } : {};
}

function withObjectHeaders(headers: Record<string, string> | undefined): { objectHeaders?: Record<string, string> } {
  return headers ? { objectHeaders: headers } : {};
}
