import { InvalidKeyError, InvalidMetadataError, InvalidRangeError, ObjectNotFoundError } from './backend.errors';
import type { ByteRange, ListOptions, ObjectMeta } from './object-backend';

// The rules every driver applies identically, so a key or a metadata map
// accepted by one backend is accepted by all of them (replicas must fit
// everywhere).

/** S3's, Swift's and Azure's limit; drivers with a key prefix accept less. */
export const MAX_KEY_BYTES = 1024;
/** Keys starting with this are the backends' own (probe, staging). */
export const RESERVED_KEY_PREFIX = '.mcos-';
export const PROBE_KEY_PREFIX = `${RESERVED_KEY_PREFIX}probe/`;
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
export const MAX_META_BYTES = 2048;
export const MAX_META_NAME_LENGTH = 128;
export const MAX_CONTENT_TYPE_LENGTH = 255;
export const DEFAULT_LIST_LIMIT = 1000;
export const MAX_LIST_LIMIT = 10000;

// C0 controls and DEL: they break XML listings (S3), headers and terminals.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const META_NAME = /^[a-z0-9-]+$/;
const CONTENT_TYPE = /^[\x20-\x7e]*$/;

export function isReservedKey(key: string): boolean {
  return key.startsWith(RESERVED_KEY_PREFIX);
}

/**
 * Throws `InvalidKeyError` unless `key` follows the key rules of
 * `ObjectBackend`. `allowReserved` is for a driver's own probe/staging keys.
 */
export function assertValidKey(key: string, maxKeyBytes: number, allowReserved = false): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError(String(key), 'empty');
  if (CONTROL_CHARS.test(key)) throw new InvalidKeyError(key, 'contains a control character (U+0000–U+001F, U+007F)');
  if (LONE_SURROGATE.test(key)) throw new InvalidKeyError(key, 'not well-formed Unicode');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > maxKeyBytes) throw new InvalidKeyError(key, `${bytes} UTF-8 bytes, at most ${maxKeyBytes} allowed`);
  if (!allowReserved && isReservedKey(key)) throw new InvalidKeyError(key, `the prefix ${RESERVED_KEY_PREFIX} is reserved`);
}

/**
 * The key prefix of a driver that shares its bucket or container with
 * others (`''` for none), checked like a key (the reserved prefix is
 * allowed), and the longest key left to callers once it is prepended.
 */
export function keyPrefix(prefix: string | undefined): { prefix: string; maxKeyBytes: number } {
  const checked = prefix ?? '';
  if (checked !== '') assertValidKey(checked, MAX_KEY_BYTES - 1, true);
  return { prefix: checked, maxKeyBytes: MAX_KEY_BYTES - Buffer.byteLength(checked, 'utf8') };
}

/** What `pending` resolves to, or undefined when the object is missing (ObjectNotFoundError); other failures pass through. */
export async function unlessMissing<T>(pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
}

/** Metadata after validation: every field present, maps copied. */
export interface NormalizedMeta {
  contentType: string;
  userMeta: Record<string, string>;
  systemMeta: Record<string, string>;
}

/** Throws `InvalidMetadataError` unless `meta` follows the rules documented on `ObjectMeta`. */
export function normalizeMeta(meta: ObjectMeta | undefined): NormalizedMeta {
  const contentType = meta?.contentType ?? DEFAULT_CONTENT_TYPE;
  if (typeof contentType !== 'string' || contentType.length === 0 || contentType.length > MAX_CONTENT_TYPE_LENGTH || !CONTENT_TYPE.test(contentType)) {
    throw new InvalidMetadataError(`content type must be 1..${MAX_CONTENT_TYPE_LENGTH} printable ASCII characters`);
  }
  let total = 0;
  const copy = (map: Record<string, string> | undefined, what: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(map ?? {})) {
      if (name.length > MAX_META_NAME_LENGTH || !META_NAME.test(name)) {
        throw new InvalidMetadataError(`${what} name ${JSON.stringify(name)}: 1..${MAX_META_NAME_LENGTH} characters of [a-z0-9-]`);
      }
      if (typeof value !== 'string' || value.includes('\u0000') || LONE_SURROGATE.test(value)) {
        throw new InvalidMetadataError(`${what} ${JSON.stringify(name)}: value must be a well-formed string without NUL`);
      }
      total += name.length + Buffer.byteLength(value, 'utf8');
      out[name] = value;
    }
    return out;
  };
  const userMeta = copy(meta?.userMeta, 'user metadata');
  const systemMeta = copy(meta?.systemMeta, 'system metadata');
  if (total > MAX_META_BYTES) throw new InvalidMetadataError(`metadata is ${total} bytes, at most ${MAX_META_BYTES} allowed`);
  return { contentType, userMeta, systemMeta };
}

/** Checks the shape of a range (the size check needs the object: drivers do it). */
export function assertValidRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new InvalidRangeError(`range start must be an integer ≥ 0, got ${start}`);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new InvalidRangeError(`range end must be an integer ≥ start (${start}), got ${end}`);
  }
}

/**
 * Resolves a range against the object size: the inclusive byte span to
 * serve, or `InvalidRangeError` if `start` is past the last byte.
 */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  if (range.start >= size) throw new InvalidRangeError(`range start ${range.start} is beyond the object (size ${size})`);
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

export function normalizeListOptions(opts: ListOptions | undefined): Required<ListOptions> {
  const limit = opts?.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new RangeError(`list limit must be an integer in 1..${MAX_LIST_LIMIT}, got ${limit}`);
  }
  return { prefix: opts?.prefix ?? '', marker: opts?.marker ?? '', limit };
}

export function assertValidSize(size: number | undefined): void {
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) {
    throw new RangeError(`size must be a safe integer ≥ 0, got ${size}`);
  }
}

/**
 * Total order of keys: by UTF-8 bytes, which is Unicode code point order
 * (what S3 uses). JavaScript's `<` compares UTF-16 units instead and puts
 * U+10000.. (surrogate pairs) before U+E000..U+FFFF; the fix-up below maps
 * units so that the comparison follows code points.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}
