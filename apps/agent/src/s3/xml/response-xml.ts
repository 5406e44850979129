import { uriEncode } from '../auth/uri-encoding';
import { document, escapeXml, leaf, node } from './xml-writer';

/**
 * Builders for the S3 answers the door sends. Each returns the whole
 * document (prolog, S3 namespace on the root element only). ETags are
 * quoted whether or not the caller quoted them; dates are ISO 8601 with
 * milliseconds, as S3 writes them.
 */

export interface S3Owner {
  id: string;
  displayName: string;
}

export interface S3ObjectEntry {
  key: string;
  lastModified: Date;
  etag: string;
  size: number;
  storageClass?: string;
  owner?: S3Owner;
}

export function quoteEtag(etag: string): string {
  return etag.startsWith('"') && etag.endsWith('"') && etag.length >= 2 ? etag : `"${etag}"`;
}

function isoDate(d: Date): string {
  return d.toISOString();
}

function ownerXml(owner: S3Owner | undefined): string {
  return owner ? node('Owner', leaf('ID', owner.id), leaf('DisplayName', owner.displayName)) : '';
}

/** Encodes keys, prefixes and markers when the client asked for `encoding-type=url`. */
function encoder(encodingType: 'url' | undefined): (s: string | undefined) => string | undefined {
  // Everything but unreserved characters and '/' is %-encoded, so both
  // unquote and unquote_plus style decoders get the key back ('+' is %2B).
  return encodingType === 'url' ? (s) => (s === undefined ? s : uriEncode(s, true)) : (s) => s;
}

export function listAllMyBucketsXml(owner: S3Owner, buckets: readonly { name: string; creationDate: Date }[]): string {
  return document(
    'ListAllMyBucketsResult',
    ownerXml(owner),
    node('Buckets', ...buckets.map((b) => node('Bucket', leaf('Name', b.name), leaf('CreationDate', isoDate(b.creationDate))))),
  );
}

interface ListCommon {
  bucket: string;
  prefix?: string;
  delimiter?: string;
  maxKeys: number;
  encodingType?: 'url';
  isTruncated: boolean;
  contents: readonly S3ObjectEntry[];
  commonPrefixes: readonly string[];
}

function contentsXml(enc: ReturnType<typeof encoder>, entries: readonly S3ObjectEntry[], withOwner: boolean): string {
  let out = '';
  for (const o of entries) {
    out += node(
      'Contents',
      leaf('Key', enc(o.key)),
      leaf('LastModified', isoDate(o.lastModified)),
      leaf('ETag', quoteEtag(o.etag)),
      leaf('Size', o.size),
      withOwner ? ownerXml(o.owner) : '',
      leaf('StorageClass', o.storageClass ?? 'STANDARD'),
    );
  }
  return out;
}

function prefixesXml(enc: ReturnType<typeof encoder>, prefixes: readonly string[]): string {
  return prefixes.map((p) => node('CommonPrefixes', leaf('Prefix', enc(p)))).join('');
}

/** ListObjects (V1). S3 sends NextMarker only with a delimiter; we send it whenever truncated (clients need it). */
export function listBucketResultV1Xml(r: ListCommon & { marker?: string; nextMarker?: string }): string {
  const enc = encoder(r.encodingType);
  return document(
    'ListBucketResult',
    leaf('Name', r.bucket),
    leaf('Prefix', enc(r.prefix ?? '')),
    leaf('Marker', enc(r.marker ?? '')),
    r.isTruncated ? leaf('NextMarker', enc(r.nextMarker)) : '',
    leaf('MaxKeys', r.maxKeys),
    leaf('Delimiter', enc(r.delimiter || undefined)),
    leaf('IsTruncated', r.isTruncated),
    leaf('EncodingType', r.encodingType),
    contentsXml(enc, r.contents, true),
    prefixesXml(enc, r.commonPrefixes),
  );
}

/** ListObjectsV2: KeyCount counts keys and common prefixes; the tokens are opaque and never encoded. */
export function listBucketResultV2Xml(
  r: ListCommon & { continuationToken?: string; nextContinuationToken?: string; startAfter?: string; fetchOwner?: boolean },
): string {
  const enc = encoder(r.encodingType);
  return document(
    'ListBucketResult',
    leaf('Name', r.bucket),
    leaf('Prefix', enc(r.prefix ?? '')),
    leaf('MaxKeys', r.maxKeys),
    leaf('KeyCount', r.contents.length + r.commonPrefixes.length),
    leaf('Delimiter', enc(r.delimiter || undefined)),
    leaf('IsTruncated', r.isTruncated),
    leaf('EncodingType', r.encodingType),
    leaf('ContinuationToken', r.continuationToken),
    r.isTruncated ? leaf('NextContinuationToken', r.nextContinuationToken) : '',
    leaf('StartAfter', enc(r.startAfter)),
    contentsXml(enc, r.contents, r.fetchOwner === true),
    prefixesXml(enc, r.commonPrefixes),
  );
}

/** ListObjectVersions over an unversioned store: every current object is its only version, `null`. */
export function listVersionsResultXml(r: ListCommon & { keyMarker?: string; nextKeyMarker?: string }): string {
  const enc = encoder(r.encodingType);
  let versions = '';
  for (const o of r.contents) {
    versions += node(
      'Version',
      leaf('Key', enc(o.key)),
      leaf('VersionId', 'null'),
      leaf('IsLatest', true),
      leaf('LastModified', isoDate(o.lastModified)),
      leaf('ETag', quoteEtag(o.etag)),
      leaf('Size', o.size),
      ownerXml(o.owner),
      leaf('StorageClass', o.storageClass ?? 'STANDARD'),
    );
  }
  return document(
    'ListVersionsResult',
    leaf('Name', r.bucket),
    leaf('Prefix', enc(r.prefix ?? '')),
    leaf('KeyMarker', enc(r.keyMarker ?? '')),
    leaf('VersionIdMarker', ''),
    r.isTruncated ? leaf('NextKeyMarker', enc(r.nextKeyMarker)) : '',
    r.isTruncated ? leaf('NextVersionIdMarker', 'null') : '',
    leaf('MaxKeys', r.maxKeys),
    leaf('Delimiter', enc(r.delimiter || undefined)),
    leaf('IsTruncated', r.isTruncated),
    leaf('EncodingType', r.encodingType),
    versions,
    prefixesXml(enc, r.commonPrefixes),
  );
}

export function copyObjectResultXml(etag: string, lastModified: Date): string {
  return document('CopyObjectResult', leaf('LastModified', isoDate(lastModified)), leaf('ETag', quoteEtag(etag)));
}

export interface DeleteOutcome {
  deleted: readonly { key: string; versionId?: string }[];
  errors: readonly { key: string; code: string; message: string; versionId?: string }[];
}

/** DeleteResult; in Quiet mode only the errors are listed. */
export function deleteResultXml(outcome: DeleteOutcome, quiet: boolean): string {
  return document(
    'DeleteResult',
    quiet ? '' : outcome.deleted.map((d) => node('Deleted', leaf('Key', d.key), leaf('VersionId', d.versionId))).join(''),
    outcome.errors.map((e) => node('Error', leaf('Key', e.key), leaf('VersionId', e.versionId), leaf('Code', e.code), leaf('Message', e.message))).join(''),
  );
}

/** GetBucketLocation: empty for the default location, as S3 answers us-east-1. */
export function locationConstraintXml(location: string | undefined): string {
  return document('LocationConstraint', location ? escapeXml(location) : '');
}

/** GetBucketVersioning of a bucket that never had versioning: an empty configuration. */
export function versioningConfigurationXml(): string {
  return document('VersioningConfiguration');
}

/** GetBucketAcl / GetObjectAcl: the owner has FULL_CONTROL, nobody else anything. */
export function accessControlPolicyXml(owner: S3Owner): string {
  return document(
    'AccessControlPolicy',
    ownerXml(owner),
    node(
      'AccessControlList',
      '<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">' +
        leaf('ID', owner.id) +
        leaf('DisplayName', owner.displayName) +
        '</Grantee>' +
        leaf('Permission', 'FULL_CONTROL') +
        '</Grant>',
    ),
  );
}
