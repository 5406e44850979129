import type * as http from 'node:http';

import { InvalidMetadataError } from './backend.errors';
import { DEFAULT_CONTENT_TYPE, compareKeys, type NormalizedMeta } from './backend-rules';
import { decodeHeaderValue, encodeHeaderValue } from './header-encoding';
import { header, unquote } from './swift-http';
import type { StoredObjectInfo } from './object-backend';

// How the swift driver keeps an object's metadata in Swift's headers (see
// the layout in the SwiftBackend class doc).

/** Swift's default metadata constraints (`[swift-constraints]` in swift.conf). */
const SWIFT_META_NAME_MAX = 128;
const SWIFT_META_VALUE_MAX = 256;
const SWIFT_META_COUNT_MAX = 90;
const SWIFT_META_OVERALL_MAX = 4096;
export const META_HEADER = 'x-object-meta-';
const USER_META = 'u';
const SYSTEM_META = 's';
/** The whole-object MD5 (an SLO's ETag is not the MD5 of its content). */
export const MD5_META = 'mcos-md5';
/** The segment set of an SLO written by this driver. */
export const SEGMENTS_META = 'mcos-segments';

/** The metadata headers of a PUT, within Swift's default constraints, or InvalidMetadataError. */
export function encodeMetaHeaders(m: NormalizedMeta): Record<string, string> {
  const out: Record<string, string> = {};
  // Room for what an SLO's manifest adds: the MD5 (32 hex) and the segment set (a UUID).
  let overall = MD5_META.length + 32 + SEGMENTS_META.length + 36;
  let count = 2;
  const add = (ns: string, map: Record<string, string>) => {
    for (const [name, value] of Object.entries(map)) {
      const encoded = encodeHeaderValue(value);
      const pieces = Math.max(1, Math.ceil(encoded.length / SWIFT_META_VALUE_MAX));
      for (let i = 0; i < pieces; i++) {
        const metaName = `${ns}${i === 0 ? '' : i}-${name}`;
        const piece = encoded.slice(i * SWIFT_META_VALUE_MAX, (i + 1) * SWIFT_META_VALUE_MAX);
        if (metaName.length > SWIFT_META_NAME_MAX) throw new InvalidMetadataError(`metadata name ${JSON.stringify(name)} is too long for Swift (at most ${SWIFT_META_NAME_MAX - 3} characters)`);
        out[`${META_HEADER}${metaName}`] = piece;
        overall += metaName.length + piece.length;
        count++;
      }
    }
  };
  add(USER_META, m.userMeta);
  add(SYSTEM_META, m.systemMeta);
  if (count > SWIFT_META_COUNT_MAX || overall > SWIFT_META_OVERALL_MAX) {
    throw new InvalidMetadataError(`metadata takes ${count} items / ${overall} bytes once encoded for Swift, at most ${SWIFT_META_COUNT_MAX} / ${SWIFT_META_OVERALL_MAX} allowed`);
  }
  return out;
}

/** What the headers of a GET or HEAD say about the object. */
export function infoFrom(key: string, headers: http.IncomingHttpHeaders, size: number): StoredObjectInfo {
  const pieces = { [USER_META]: new Map<string, string[]>(), [SYSTEM_META]: new Map<string, string[]>() };
  let md5: string | undefined;
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith(META_HEADER) || raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    const metaName = name.slice(META_HEADER.length);
    if (metaName === MD5_META) {
      md5 = value;
      continue;
    }
    const m = /^([us])(\d*)-(.+)$/.exec(metaName);
    if (!m) continue; // not written by MCOS
    const list = pieces[m[1] as 'u' | 's'].get(m[3]) ?? [];
    list[m[2] === '' ? 0 : Number(m[2])] = value;
    pieces[m[1] as 'u' | 's'].set(m[3], list);
  }
  const join = (map: Map<string, string[]>): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [name, list] of [...map].sort(([a], [b]) => compareKeys(a, b))) out[name] = decodeHeaderValue(list.join(''));
    return out;
  };
  return {
    key,
    size,
    // Objects not written by MCOS have only Swift's ETag (an MD5 for plain objects).
    etag: md5 ?? unquote(headers.etag),
    lastModified: lastModifiedOf(headers),
    contentType: header(headers, 'content-type') ?? DEFAULT_CONTENT_TYPE,
    userMeta: join(pieces[USER_META]),
    systemMeta: join(pieces[SYSTEM_META]),
  };
}

/** Swift's X-Timestamp (sub-second), else Last-Modified, else now. */
export function lastModifiedOf(headers: http.IncomingHttpHeaders): Date {
  const ts = Number(header(headers, 'x-timestamp'));
  if (Number.isFinite(ts) && ts > 0) return new Date(Math.round(ts * 1000));
  const lm = header(headers, 'last-modified');
  const t = lm ? Date.parse(lm) : NaN;
  return Number.isFinite(t) ? new Date(t) : new Date();
}

/** Whether the object is a Static Large Object (its GET joins the segments). */
export function isStaticLargeObject(headers: http.IncomingHttpHeaders): boolean {
  return /^(true|yes|1|on)$/i.test(header(headers, 'x-static-large-object') ?? '');
}
