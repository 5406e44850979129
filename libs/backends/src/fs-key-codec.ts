import { createHash } from 'node:crypto';

// How the fs driver turns a key into a relative path (and back).
//
// - The key is split at `/`; every segment but the last becomes a directory,
//   the last a file named `<segment>.obj`.
// - Each segment is percent-encoded byte-wise (UTF-8): only `[0-9a-z_-]` stay
//   literal; everything else, including `.`, `%`, upper case and non-ASCII,
//   becomes `%XX` (upper-case hex). Hence an encoded name is never `.`/`..`,
//   never holds a separator or NUL, and two keys never differ only by case
//   or Unicode normalisation (safe on case-insensitive or normalising file
//   systems such as macOS').
// - The empty segment (`a//b`, `/x`, `x/`) is encoded as `%` alone.
// - Encoded names never contain `.`, so the driver owns every name with a
//   dot: `.obj` files can't collide with directories (`a` and `a/b` may both
//   be objects) and a segment whose encoding would exceed 150 bytes is
//   shortened to `<first ≤96 encoded bytes>.<128-bit SHA-256 prefix>`, which
//   keeps every path component far below the usual 255-byte limit. Such
//   names don't decode; the real key is in the object's trailer.
// - Worst case a 1024-byte key becomes ~3 KiB of path, within PATH_MAX
//   (4096) for any reasonable root.

export const OBJECT_SUFFIX = '.obj';
const MAX_PLAIN_NAME = 150;
const HASHED_HEAD = 96;
const HEX = '0123456789ABCDEF';

function isLiteral(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x5f;
}

/** The directory/file stem for one key segment. */
export function encodeSegment(segment: string): string {
  if (segment === '') return '%';
  const bytes = Buffer.from(segment, 'utf8');
  let out = '';
  for (const b of bytes) out += isLiteral(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  if (out.length <= MAX_PLAIN_NAME) return out;
  let head = out.slice(0, HASHED_HEAD);
  // Don't cut an escape in two (cosmetic only: the hash makes it unique).
  const pct = head.lastIndexOf('%');
  if (pct > head.length - 3) head = head.slice(0, pct);
  return `${head}.${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}`;
}

/** The segment a name stands for, or undefined if it is hashed or not ours. */
export function decodeSegment(name: string): string | undefined {
  if (name === '%') return '';
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= name.length) return undefined;
      const hi = HEX.indexOf(name.charAt(i + 1));
      const lo = HEX.indexOf(name.charAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      const b = hi * 16 + lo;
      if (isLiteral(b)) return undefined; // not canonical: never produced by encodeSegment
      bytes.push(b);
      i += 2;
    } else if (isLiteral(c)) {
      bytes.push(c);
    } else {
      return undefined;
    }
  }
  const buf = Buffer.from(bytes);
  const text = buf.toString('utf8');
  // Invalid UTF-8 would decode lossily: such a name can't be ours.
  if (bytes.length === 0 || !Buffer.from(text, 'utf8').equals(buf)) return undefined;
  return text;
}

/** Relative path components (directories, then the file name) for a key. */
export function keyToPathParts(key: string): string[] {
  const segments = key.split('/');
  const last = segments.pop() as string;
  return [...segments.map(encodeSegment), `${encodeSegment(last)}${OBJECT_SUFFIX}`];
}

/** Path components of the directory that holds every key starting with `prefix` (its complete segments). */
export function prefixToDirParts(prefix: string): string[] {
  const segments = prefix.split('/');
  segments.pop();
  return segments.map(encodeSegment);
}
