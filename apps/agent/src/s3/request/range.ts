import { S3Error } from '../xml/s3-error';

/** An inclusive byte range of an object. */
export interface ByteRange {
  start: number;
  end: number;
}

const SINGLE = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/;

/**
 * Reads a Range header against an object of `size` bytes, as S3 does:
 * `bytes=a-b`, `bytes=a-` and suffix `bytes=-n`; an end past the object is
 * clamped. A header S3 would ignore (not bytes, malformed, several ranges,
 * a > b) gives undefined: the whole object is answered. A well-formed range
 * that cannot be satisfied (starts at or past the end, `-0`, any range of an
 * empty object) → InvalidRange (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = SINGLE.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const unsatisfiable = () =>
    new S3Error('InvalidRange', undefined, undefined, { RangeRequested: header.slice(0, 128), ActualObjectSize: String(size) });
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? undefined : Number(m[2]);
  if (!Number.isSafeInteger(start) || (end !== undefined && !Number.isSafeInteger(end))) return undefined;
  if (end !== undefined && end < start) return undefined;
  if (start >= size) throw unsatisfiable();
  return { start, end: end === undefined ? size - 1 : Math.min(end, size - 1) };
}

/** The Content-Range header of a 206 answer. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}
