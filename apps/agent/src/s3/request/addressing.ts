import { percentDecode } from '../auth/uri-encoding';
import { S3Error } from '../xml/s3-error';

/** Which bucket and key a request addresses. */
export interface S3Address {
  /** Undefined for service-level requests (ListBuckets). */
  bucket?: string;
  /** Undefined for bucket-level requests. */
  key?: string;
  style: 'path' | 'virtual-hosted';
}

function decodePath(raw: string): string {
  const bytes = percentDecode(raw, false);
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new S3Error('InvalidURI', "Couldn't parse the specified URI: it is not UTF-8.");
  return text;
}

/**
 * Finds the bucket and key of a request: virtual-hosted style when the Host
 * is `<bucket>.<domain>` (only when the agent is given its S3 domain),
 * path style (`/bucket/key`) otherwise. The key is everything after the
 * bucket's slash, decoded once (S3 keys may hold `/`, `//`, `+`, `%`).
 */
export function resolveAddress(path: string, host: string | undefined, domain?: string): S3Address {
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase().replace(/\.$/, '');
  const d = domain?.toLowerCase().replace(/\.$/, '');
  if (!path.startsWith('/')) throw new S3Error('InvalidURI', "Couldn't parse the specified URI: the path must start with '/'.");

  if (d && hostname.length > d.length + 1 && hostname.endsWith('.' + d)) {
    const bucket = hostname.slice(0, -(d.length + 1));
    const key = path.length > 1 ? decodePath(path.slice(1)) : undefined;
    return { bucket, key, style: 'virtual-hosted' };
  }
  const rest = path.slice(1);
  if (rest === '') return { style: 'path' };
  const slash = rest.indexOf('/');
  const bucket = decodePath(slash < 0 ? rest : rest.slice(0, slash));
  const keyRaw = slash < 0 ? '' : rest.slice(slash + 1);
  return { bucket, key: keyRaw === '' ? undefined : decodePath(keyRaw), style: 'path' };
}

/** The `Resource` of an error about this address (`/bucket/key`). */
export function resourceOf(address: S3Address): string {
  if (address.bucket === undefined) return '/';
  return address.key === undefined ? `/${address.bucket}` : `/${address.bucket}/${address.key}`;
}
