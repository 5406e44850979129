import { S3Error } from '../xml/s3-error';

export const MAX_KEY_BYTES = 1024;
/** S3's limit on user metadata: names and values of every x-amz-meta-* header, in UTF-8 bytes. */
export const MAX_USER_METADATA_BYTES = 2048;
const META = 'x-amz-meta-';

/** Throws KeyTooLongError for keys over 1024 bytes of UTF-8, InvalidArgument for an empty key. */
export function assertObjectKey(key: string): void {
  if (key.length === 0) throw new S3Error('InvalidArgument', 'The object key must not be empty.');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', undefined, undefined, { MaxSizeAllowed: String(MAX_KEY_BYTES), Size: String(bytes) });
  }
}

/**
 * The user metadata of a request: every x-amz-meta-* header, its name
 * without the prefix (header names are already lower case), its value
 * as sent. More than 2 KiB in all → MetadataTooLarge, before anything is
 * stored.
 */
export function userMetadataFromHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  let total = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !name.startsWith(META)) continue;
    const short = name.slice(META.length);
    if (short === '') throw new S3Error('InvalidArgument', 'A metadata header needs a name after x-amz-meta-.');
    total += Buffer.byteLength(short, 'utf8') + Buffer.byteLength(value, 'utf8');
    out[short] = value;
  }
  if (total > MAX_USER_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', undefined, undefined, { MaxSizeAllowed: String(MAX_USER_METADATA_BYTES), Size: String(total) });
  }
  return out;
}

/** The x-amz-meta-* response headers for stored user metadata. */
export function userMetadataToHeaders(meta: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) out[META + k.toLowerCase()] = v;
  return out;
}
