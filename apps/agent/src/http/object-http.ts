import type { Request, Response } from 'express';
import { BadRequestError, SERVED_BY_HEADER } from '@mcos/common';
import type { ObjectRange } from '../objects/objects.service';
import type { ReplicaVersion } from '../storage/replica-version';
import { timestampDate } from '../clock/timestamp';

const USER_META_PREFIX = 'x-object-meta-';
const META_NAME = /^[a-z0-9-]{1,128}$/;

/** `/v1/containers/<container>/objects/<name>`: the container is one segment, so its own name (even `objects`) cannot move where the object name starts. */
const OBJECT_PATH = /^\/v1\/containers\/[^/]+\/objects\/(.*)$/s;

/**
 * The object name from the raw request path: everything after
 * `/v1/containers/<container>/objects/`, percent-decoded once. Routers split
 * wildcards on `/` and may decode `%2F`; reading the raw path keeps every
 * byte of the name.
 */
export function objectNameFromUrl(url: string): string {
  const path = url.split('?')[0];
  const raw = OBJECT_PATH.exec(path)?.[1] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequestError('object name is not valid percent-encoded UTF-8');
  }
}

/** `X-Object-Meta-*` request headers as a map (names lower-case). */
export function userMetaFromHeaders(req: Request): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith(USER_META_PREFIX)) continue;
    const key = name.slice(USER_META_PREFIX.length);
    if (!META_NAME.test(key)) throw new BadRequestError(`metadata header ${name}: names may use only a-z, 0-9 and "-"`);
    meta[key] = Buffer.from(Array.isArray(value) ? value.join(',') : (value ?? ''), 'latin1').toString('utf8');
  }
  return meta;
}

/** Content-Length as a number, undefined for chunked bodies; 400 when malformed. */
export function contentLength(req: Request): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new BadRequestError('Content-Length must be a non-negative integer');
  return n;
}

/**
 * A single `bytes=` range. Forms RFC 9110 allows us to ignore (multiple
 * ranges, other units, malformed values) give undefined: the whole object.
 * Suffix ranges (`bytes=-N`) need the size: ObjectsService resolves them.
 */
export function parseRange(header: string | undefined): ObjectRange | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') return { suffix: Number(m[2]) };
  const start = Number(m[1]);
  const end = m[2] === '' ? undefined : Number(m[2]);
  if (end !== undefined && end < start) return undefined;
  return { start, end };
}

/** Headers describing a stored version, as GET and HEAD send them. */
export function setObjectHeaders(res: Response, v: ReplicaVersion, servedBy: string): void {
  res.setHeader('ETag', `"${v.etag}"`);
  res.setHeader('Content-Type', v.contentType ?? 'application/octet-stream');
  res.setHeader('Last-Modified', timestampDate(v.timestamp).toUTCString());
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('X-Timestamp', v.timestamp);
  res.setHeader(SERVED_BY_HEADER, servedBy);
  for (const [k, value] of Object.entries(v.userMeta)) {
    const latin1 = Buffer.from(value, 'utf8').toString('latin1');
    // The doors refuse such values; one stored before they did must not make every GET a 500.
    if (!META_NAME.test(k) || /[\u0000-\u0008\u000a-\u001f\u007f]/.test(latin1)) continue;
    res.setHeader(`${USER_META_PREFIX}${k}`, latin1);
  }
}
