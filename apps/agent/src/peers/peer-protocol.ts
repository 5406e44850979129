/**
 * The peer API: agent to agent, cluster credential required. Keys travel in
 * the query string (`?key=`), so no object name can be mistaken for a route.
 *
 *   PUT    /v1/peer/replica?key=K              body = replica bytes, version in headers
 *   GET    /v1/peer/replica?key=K   [Range]    replica bytes, version in headers
 *   GET    /v1/peer/replica/stat?key=K         ReplicaVersion JSON, 404 when absent
 *   POST   /v1/peer/replica/versions          {keys} -> {key: {timestamp, deleted, etag} | null} (from the index)
 *   DELETE /v1/peer/replica?key=K&timestamp=T  drop this exact version (a handoff copy)
 *   GET    /v1/peer/index/objects?account&container&prefix&marker&limit
 *   GET    /v1/peer/index/containers?account&prefix&marker&limit
 *   GET    /v1/peer/ping                       { name, clusterMapVersion }
 */
import type { ReplicaVersion } from '../storage/replica-version';
import { decodeMultipartSummary, encodeMultipartSummary } from '../storage/stored-version';

export const PEER_HEADERS = {
  timestamp: 'x-mcos-timestamp',
  deleted: 'x-mcos-deleted',
  option: 'x-mcos-option',
  etag: 'x-mcos-etag',
  size: 'x-mcos-size',
  /** JSON object of user metadata (values may be any unicode). */
  userMeta: 'x-mcos-user-meta',
  applied: 'x-mcos-applied',
  /** JSON object of the version's objectHeaders (Content-Encoding …), absent when none. */
  objectHeaders: 'x-mcos-object-headers',
  /** A multipart manifest's summary (`<size>:<parts>:<etag>`), absent for other versions. */
  multipart: 'x-mcos-multipart',
} as const;

export type HeaderBag = Record<string, string | string[] | undefined>;

/** Writes a version into HTTP headers (the body travels separately). */
export function versionToHeaders(v: ReplicaVersion): Record<string, string> {
  const h: Record<string, string> = {
    [PEER_HEADERS.timestamp]: v.timestamp,
    [PEER_HEADERS.deleted]: v.deleted ? '1' : '0',
    [PEER_HEADERS.option]: v.option,
    [PEER_HEADERS.etag]: v.etag,
    [PEER_HEADERS.size]: String(v.size),
    [PEER_HEADERS.userMeta]: encodeURIComponent(JSON.stringify(v.userMeta)),
  };
  if (v.contentType) h['content-type'] = v.contentType;
  if (v.objectHeaders && Object.keys(v.objectHeaders).length > 0) h[PEER_HEADERS.objectHeaders] = encodeURIComponent(JSON.stringify(v.objectHeaders));
  if (v.multipart) h[PEER_HEADERS.multipart] = encodeMultipartSummary(v.multipart);
  return h;
}

/**
 * Reads a version from HTTP headers; throws on anything malformed. Size and
 * etag may be absent (a new write streamed with its length unknown): they
 * read as 0 and ''.
 */
export function versionFromHeaders(h: HeaderBag): ReplicaVersion {
  const get = (name: string): string => {
    const v = h[name];
    const s = Array.isArray(v) ? v[0] : v;
    if (s === undefined) throw new Error(`missing header ${name}`);
    return s;
  };
  const rawSize = h[PEER_HEADERS.size];
  const size = rawSize === undefined ? 0 : Number(rawSize);
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad header ${PEER_HEADERS.size}`);
  const userMeta = JSON.parse(decodeURIComponent(get(PEER_HEADERS.userMeta))) as unknown;
  if (typeof userMeta !== 'object' || userMeta === null || Array.isArray(userMeta)) throw new Error(`bad header ${PEER_HEADERS.userMeta}`);
  const ct = h['content-type'];
  const rawHeaders = h[PEER_HEADERS.objectHeaders];
  let objectHeaders: Record<string, string> | undefined;
  if (typeof rawHeaders === 'string') {
    const parsed = JSON.parse(decodeURIComponent(rawHeaders)) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((x) => typeof x !== 'string')) {
      throw new Error(`bad header ${PEER_HEADERS.objectHeaders}`);
    }
    objectHeaders = parsed as Record<string, string>;
  }
  const rawMultipart = h[PEER_HEADERS.multipart];
  const multipart = typeof rawMultipart === 'string' ? decodeMultipartSummary(rawMultipart) : undefined;
  if (rawMultipart !== undefined && !multipart) throw new Error(`bad header ${PEER_HEADERS.multipart}`);
  return {
    timestamp: get(PEER_HEADERS.timestamp),
    deleted: get(PEER_HEADERS.deleted) === '1',
    option: get(PEER_HEADERS.option),
    etag: typeof h[PEER_HEADERS.etag] === 'string' ? (h[PEER_HEADERS.etag] as string) : '',
    size,
    contentType: typeof ct === 'string' ? ct : undefined,
    userMeta: userMeta as Record<string, string>,
    ...(objectHeaders ? { objectHeaders } : {}),
    ...(multipart ? { multipart } : {}),
  };
}
