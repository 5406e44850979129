import { parseQuery } from '../auth/canonical-request';
import { S3Error } from '../xml/s3-error';

export const MAX_LIST_KEYS = 1000;

export interface ListObjectsParams {
  version: 1 | 2;
  prefix: string;
  /** Undefined for none: an empty delimiter counts as none. */
  delimiter?: string;
  /** 0..1000 (larger requests are capped, as S3 does). */
  maxKeys: number;
  encodingType?: 'url';
  /** V1 */
  marker?: string;
  /** V2 (opaque, as the door issued it) */
  continuationToken?: string;
  /** V2 */
  startAfter?: string;
  fetchOwner: boolean;
  /** ListObjectVersions' key-marker */
  keyMarker?: string;
}

function invalid(name: string, value: string, message: string): S3Error {
  return new S3Error('InvalidArgument', message, undefined, { ArgumentName: name, ArgumentValue: value.slice(0, 128) });
}

/** Reads ListObjects / ListObjectsV2 / ListObjectVersions parameters from a raw query string. */
export function parseListParams(rawQuery: string): ListObjectsParams {
  const q = new Map<string, string>();
  for (const p of parseQuery(rawQuery)) if (!q.has(p.name)) q.set(p.name, p.value);
  const maxKeysRaw = q.get('max-keys');
  let maxKeys = MAX_LIST_KEYS;
  if (maxKeysRaw !== undefined) {
    if (!/^\d{1,10}$/.test(maxKeysRaw)) throw invalid('max-keys', maxKeysRaw, 'Provided max-keys not an integer or within integer range');
    maxKeys = Math.min(Number(maxKeysRaw), MAX_LIST_KEYS);
  }
  const encoding = q.get('encoding-type');
  if (encoding !== undefined && encoding !== 'url') throw invalid('encoding-type', encoding, 'Invalid Encoding Method specified in Request');
  const listType = q.get('list-type');
  if (listType !== undefined && listType !== '2') throw invalid('list-type', listType, 'Invalid List Type specified in Request');
  const fetchOwner = q.get('fetch-owner');
  const delimiter = q.get('delimiter');
  return {
    version: listType === '2' ? 2 : 1,
    prefix: q.get('prefix') ?? '',
    delimiter: delimiter === '' ? undefined : delimiter,
    maxKeys,
    encodingType: encoding === 'url' ? 'url' : undefined,
    marker: q.get('marker') || undefined,
    continuationToken: q.get('continuation-token') || undefined,
    startAfter: q.get('start-after') || undefined,
    fetchOwner: fetchOwner === 'true',
    keyMarker: q.get('key-marker') || undefined,
  };
}

const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/** GetObject's response-* parameters as the headers they override. */
export function responseOverrides(rawQuery: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of parseQuery(rawQuery)) {
    const header = OVERRIDES[p.name];
    if (!header) continue;
    // Header values cannot carry CR/LF: refuse rather than let a value split the answer.
    if (/[\r\n\0]/.test(p.value)) throw invalid(p.name, p.value, `${p.name} holds a character that cannot go in a header.`);
    out[header] = p.value;
  }
  return out;
}
