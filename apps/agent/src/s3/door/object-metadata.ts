import { MAX_USER_META_BYTES } from '../../objects/object-rules';
import type { S3Request } from '../s3-request';
import { userMetadataFromHeaders } from '../request/object-key';
import { S3Error } from '../xml/s3-error';

/** The representation headers S3 keeps with an object and answers on GET/HEAD. */
export const OBJECT_HEADERS = ['content-encoding', 'content-disposition', 'cache-control', 'expires', 'content-language'] as const;

const META_NAME = /^[a-z0-9-]{1,128}$/;
const CONTENT_TYPE = /^[\x20-\x7e]{1,255}$/;
const HEADER_VALUE = /^[^\0\r\n]*$/;
/**
 * x-amz-meta-* and the representation headers share the store's budget for
 * an object's metadata (MAX_USER_META_BYTES: the backends' 2 KiB less the
 * room MCOS's own bookkeeping takes), so S3's 2 KiB is 1.5 KiB here.
 */
const MAX_METADATA_BYTES = MAX_USER_META_BYTES;

/** What a PutObject or a REPLACE copy stores besides the bytes. */
export interface ObjectMetadata {
  contentType?: string;
  userMetadata: Record<string, string>;
  objectHeaders: Record<string, string>;
}

/** Header values are ISO-8859-1 on the wire; metadata is kept as the UTF-8 text the client meant (as /v1 does). */
function fromWire(value: string): string {
  return Buffer.from(value, 'latin1').toString('utf8');
}

/** Metadata as it goes back on the wire (UTF-8 bytes in a latin1 header string). */
export function toWire(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}

/**
 * Reads and checks the metadata of a write: Content-Type, x-amz-meta-*
 * (S3's 2 KiB limit, names the backends can keep), Content-Encoding (without
 * the aws-chunked transfer coding, as S3 stores it), Content-Disposition,
 * Cache-Control, Expires, Content-Language. Every problem is a 4xx before
 * any byte is stored.
 */
export function objectMetadataFromHeaders(headers: S3Request['headers']): ObjectMetadata {
  const raw = userMetadataFromHeaders(headers);
  const userMetadata: Record<string, string> = {};
  let total = 0;
  for (const [name, value] of Object.entries(raw)) {
    if (!META_NAME.test(name)) {
      throw new S3Error('InvalidArgument', `Metadata names may only hold a-z, 0-9 and '-' here (got x-amz-meta-${name.slice(0, 64)}).`, undefined, { ArgumentName: `x-amz-meta-${name.slice(0, 64)}` });
    }
    const text = fromWire(value);
    userMetadata[name] = text;
    total += name.length + Buffer.byteLength(text, 'utf8');
  }
  const objectHeaders: Record<string, string> = {};
  for (const name of OBJECT_HEADERS) {
    let value = headers[name];
    if (value === undefined) continue;
    if (name === 'content-encoding') {
      value = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '' && v.toLowerCase() !== 'aws-chunked')
        .join(',');
      if (value === '') continue;
    }
    if (!HEADER_VALUE.test(value)) throw new S3Error('InvalidArgument', `${name} holds a character that cannot be stored.`, undefined, { ArgumentName: name });
    const text = fromWire(value);
    objectHeaders[name] = text;
    total += 2 + name.length + Buffer.byteLength(text, 'utf8');
  }
  if (total > MAX_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', `Your metadata headers exceed the maximum allowed metadata size (${MAX_METADATA_BYTES} bytes of x-amz-meta-* and representation headers here).`, undefined, {
      MaxSizeAllowed: String(MAX_METADATA_BYTES),
      Size: String(total),
    });
  }
  const contentType = headers['content-type'];
  if (contentType !== undefined && !CONTENT_TYPE.test(contentType)) {
    throw new S3Error('InvalidArgument', 'Content-Type must be 1 to 255 printable ASCII characters.', undefined, { ArgumentName: 'Content-Type' });
  }
  return { contentType, userMetadata, objectHeaders };
}
