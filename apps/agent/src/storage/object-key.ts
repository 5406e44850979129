/**
 * Layout of MCOS data on a backend. Every key starts with a one-letter
 * namespace so that container records and objects can never collide, and the
 * account (user name) and container come first so that a backend listing by
 * prefix walks one container.
 *
 *   c/<account>/<container>            container record (empty body)
 *   o/<account>/<container>/<object>   object replica (object may contain '/')
 *   u/<account>/<container>/<object>/<uploadId>          open multipart upload record
 *   p/<account>/<container>/<object>/<uploadId>/<NNNNN>  one part of an upload (number zero-padded to 5 digits)
 *
 * Account and container names never contain '/', so the split is unambiguous;
 * upload ids never contain '/' either, so upload and part keys split from the
 * right. The object name comes before the upload id so that uploads list in
 * key order and by prefix (ListMultipartUploads) and the parts of one upload
 * list in part order (ListParts), both from the index's `name` column.
 */
export type EntryKind = 'object' | 'container' | 'upload' | 'part';

export interface ObjectAddress {
  account: string;
  container: string;
  name: string;
}

export interface ContainerAddress {
  account: string;
  container: string;
}

export function objectKey(a: ObjectAddress): string {
  return `o/${a.account}/${a.container}/${a.name}`;
}

export function containerKey(a: ContainerAddress): string {
  return `c/${a.account}/${a.container}`;
}

export interface UploadAddress extends ObjectAddress {
  uploadId: string;
}

export interface PartAddress extends UploadAddress {
  partNumber: number;
}

/** Upload ids: what `newUploadId` makes (URL- and key-safe, never '/'). */
export const UPLOAD_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
export const MAX_PART_NUMBER = 10_000;

/** The index name of an upload record: `<object>/<uploadId>` (placement hashes it like an object name). */
export function uploadName(a: UploadAddress): string {
  return `${a.name}/${a.uploadId}`;
}

/** The index name of a part: `<object>/<uploadId>/<NNNNN>`, so parts sort by number. */
export function partName(a: PartAddress): string {
  return `${a.name}/${a.uploadId}/${String(a.partNumber).padStart(5, '0')}`;
}

export function uploadKey(a: UploadAddress): string {
  return `u/${a.account}/${a.container}/${uploadName(a)}`;
}

export function partKey(a: PartAddress): string {
  return `p/${a.account}/${a.container}/${partName(a)}`;
}

export type ParsedKey =
  | ({ kind: 'object' } & ObjectAddress)
  | ({ kind: 'container' } & ContainerAddress)
  | ({ kind: 'upload'; object: string; uploadId: string } & ContainerAddress & { name: string })
  | ({ kind: 'part'; object: string; uploadId: string; partNumber: number } & ContainerAddress & { name: string });

/**
 * Parses a backend key written by MCOS; undefined for anything else. For
 * upload and part keys `name` is the index name (`<object>/<uploadId>[/<NNNNN>]`)
 * and `object` the object's name.
 */
export function parseKey(key: string): ParsedKey | undefined {
  const parts = key.split('/');
  if ((parts[0] === 'u' || parts[0] === 'p') && parts[1] && parts[2]) return parseMultipartKey(parts);
  if (parts[0] === 'c' && parts.length === 3 && parts[1] && parts[2]) {
    return { kind: 'container', account: parts[1], container: parts[2] };
  }
  if (parts[0] === 'o' && parts.length >= 4 && parts[1] && parts[2]) {
    const name = parts.slice(3).join('/');
    if (name) return { kind: 'object', account: parts[1], container: parts[2], name };
  }
  return undefined;
}

function parseMultipartKey(parts: string[]): ParsedKey | undefined {
  const isPart = parts[0] === 'p';
  const tail = isPart ? 2 : 1;
  if (parts.length < 4 + tail) return undefined;
  const object = parts.slice(3, parts.length - tail).join('/');
  const uploadId = parts[parts.length - tail];
  if (!object || !UPLOAD_ID_PATTERN.test(uploadId)) return undefined;
  const base = { account: parts[1], container: parts[2], object, uploadId, name: parts.slice(3).join('/') };
  if (!isPart) return { kind: 'upload', ...base };
  const digits = parts[parts.length - 1];
  const partNumber = Number(digits);
  if (!/^\d{5}$/.test(digits) || partNumber < 1 || partNumber > MAX_PART_NUMBER) return undefined;
  return { kind: 'part', ...base, partNumber };
}

/**
 * Orders names by Unicode code point, which is the byte order of their UTF-8
 * form: the order sqlite (BINARY collation) and the backends list in.
 * JavaScript's `<` orders by UTF-16 code unit, which differs above U+FFFF.
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}
