import { createHash } from 'node:crypto';
import { percentDecode, percentDecodeToString, uriEncode } from './uri-encoding';

/** One query parameter, raw (as on the wire) and decoded. */
export interface QueryParam {
  rawName: string;
  rawValue: string;
  name: string;
  value: string;
}

/** Splits a raw query string into parameters; `a` alone is `a` with value ''. */
export function parseQuery(rawQuery: string): QueryParam[] {
  const out: QueryParam[] = [];
  if (rawQuery === '') return out;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    out.push({ rawName, rawValue, name: percentDecodeToString(rawName, true), value: percentDecodeToString(rawValue, true) });
  }
  return out;
}

/** The canonical URI: the path decoded once and encoded once with SigV4's rules. */
export function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  return uriEncode(percentDecode(rawPath, false), true);
}

/**
 * The canonical query string: every parameter (but the signature of a
 * presigned URL) encoded with SigV4's rules, sorted by name then value.
 */
export function canonicalQuery(params: readonly QueryParam[], omit?: string): string {
  const pairs: [string, string][] = [];
  for (const p of params) {
    if (p.name === omit) continue;
    pairs.push([uriEncode(percentDecode(p.rawName, true), false), uriEncode(percentDecode(p.rawValue, true), false)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** A header value as SigV4 canonicalises it: trimmed, inner runs of white space made one space. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

export interface CanonicalRequestParts {
  method: string;
  rawPath: string;
  params: readonly QueryParam[];
  /** Lower-cased header names; repeated values already joined with ','. */
  headers: Readonly<Record<string, string | undefined>>;
  signedHeaders: readonly string[];
  payloadHash: string;
  /** The query parameter left out (X-Amz-Signature for presigned URLs). */
  omitParam?: string;
}

export function canonicalRequest(p: CanonicalRequestParts): string {
  let headerBlock = '';
  for (const name of p.signedHeaders) headerBlock += `${name}:${canonicalHeaderValue(p.headers[name] ?? '')}\n`;
  return [
    p.method,
    canonicalUri(p.rawPath),
    canonicalQuery(p.params, p.omitParam),
    headerBlock,
    p.signedHeaders.join(';'),
    p.payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}
