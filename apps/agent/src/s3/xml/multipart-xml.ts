import { uriEncode } from '../auth/uri-encoding';
import { S3Error } from './s3-error';
import { quoteEtag, type S3Owner } from './response-xml';
import { elementsOf, readXml, rootOf, textOf } from './xml-reader';
import { document, leaf, node } from './xml-writer';

/**
 * The multipart answers and CompleteMultipartUpload's request body, as S3
 * writes and reads them (namespace on the root only, ETags quoted, ISO dates).
 */

/** 10,000 parts of `<Part><PartNumber>10000</PartNumber><ETag>"…"</ETag></Part>` with checksums and white space. */
export const MAX_COMPLETE_XML_BYTES = 4 * 1024 * 1024;

export interface CompleteRequestPart {
  partNumber: number;
  etag: string;
}

/** `<CompleteMultipartUpload><Part><PartNumber/><ETag/>…</Part>…`: numbers as sent (order checked by the service). */
export function parseCompleteMultipartUpload(body: Buffer): CompleteRequestPart[] {
  const root = rootOf(readXml(body, MAX_COMPLETE_XML_BYTES), 'CompleteMultipartUpload');
  const parts = elementsOf(root, 'Part');
  if (parts.length === 0) throw new S3Error('MalformedXML', 'The CompleteMultipartUpload request names no Part.');
  if (parts.length > 10_000) throw new S3Error('MalformedXML', 'The CompleteMultipartUpload request names more than 10000 parts.');
  return parts.map((p) => {
    const number = textOf(p, 'PartNumber')?.trim();
    const etag = textOf(p, 'ETag')?.trim();
    if (!number || !/^\d{1,5}$/.test(number) || etag === undefined || etag === '') {
      throw new S3Error('MalformedXML', 'Every Part needs a PartNumber (1-10000) and an ETag.');
    }
    const partNumber = Number(number);
    if (partNumber < 1 || partNumber > 10_000) throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive.', undefined, { ArgumentName: 'partNumber' });
    return { partNumber, etag };
  });
}

function encoder(encodingType: 'url' | undefined): (s: string | undefined) => string | undefined {
  return encodingType === 'url' ? (s) => (s === undefined ? s : uriEncode(s, true)) : (s) => s;
}

export function initiateMultipartUploadResultXml(bucket: string, key: string, uploadId: string): string {
  return document('InitiateMultipartUploadResult', leaf('Bucket', bucket), leaf('Key', key), leaf('UploadId', uploadId));
}

export function completeMultipartUploadResultXml(r: { location: string; bucket: string; key: string; etag: string }): string {
  return document('CompleteMultipartUploadResult', leaf('Location', r.location), leaf('Bucket', r.bucket), leaf('Key', r.key), leaf('ETag', quoteEtag(r.etag)));
}

export function copyPartResultXml(etag: string, lastModified: Date): string {
  return document('CopyPartResult', leaf('LastModified', lastModified.toISOString()), leaf('ETag', quoteEtag(etag)));
}

export interface ListPartsAnswer {
  bucket: string;
  key: string;
  uploadId: string;
  owner: S3Owner;
  partNumberMarker: number;
  nextPartNumberMarker?: number;
  maxParts: number;
  isTruncated: boolean;
  encodingType?: 'url';
  parts: readonly { partNumber: number; lastModified: Date; etag: string; size: number }[];
}

export function listPartsResultXml(r: ListPartsAnswer): string {
  const enc = encoder(r.encodingType);
  const owner = node('Owner', leaf('ID', r.owner.id), leaf('DisplayName', r.owner.displayName));
  return document(
    'ListPartsResult',
    leaf('Bucket', r.bucket),
    leaf('Key', enc(r.key)),
    leaf('UploadId', r.uploadId),
    node('Initiator', leaf('ID', r.owner.id), leaf('DisplayName', r.owner.displayName)),
    owner,
    leaf('StorageClass', 'STANDARD'),
    leaf('PartNumberMarker', r.partNumberMarker),
    leaf('NextPartNumberMarker', r.nextPartNumberMarker),
    leaf('MaxParts', r.maxParts),
    leaf('IsTruncated', r.isTruncated),
    leaf('EncodingType', r.encodingType),
    ...r.parts.map((p) => node('Part', leaf('PartNumber', p.partNumber), leaf('LastModified', p.lastModified.toISOString()), leaf('ETag', quoteEtag(p.etag)), leaf('Size', p.size))),
  );
}

export interface ListUploadsAnswer {
  bucket: string;
  owner: S3Owner;
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  uploadIdMarker?: string;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
  maxUploads: number;
  isTruncated: boolean;
  encodingType?: 'url';
  uploads: readonly { key: string; uploadId: string; initiated: Date }[];
  commonPrefixes: readonly string[];
}

export function listMultipartUploadsResultXml(r: ListUploadsAnswer): string {
  const enc = encoder(r.encodingType);
  const person = [leaf('ID', r.owner.id), leaf('DisplayName', r.owner.displayName)];
  return document(
    'ListMultipartUploadsResult',
    leaf('Bucket', r.bucket),
    leaf('KeyMarker', enc(r.keyMarker ?? '')),
    leaf('UploadIdMarker', r.uploadIdMarker ?? ''),
    leaf('NextKeyMarker', enc(r.nextKeyMarker)),
    leaf('NextUploadIdMarker', r.nextUploadIdMarker),
    leaf('Prefix', enc(r.prefix)),
    leaf('Delimiter', enc(r.delimiter)),
    leaf('MaxUploads', r.maxUploads),
    leaf('IsTruncated', r.isTruncated),
    leaf('EncodingType', r.encodingType),
    ...r.uploads.map((u) =>
      node(
        'Upload',
        leaf('Key', enc(u.key)),
        leaf('UploadId', u.uploadId),
        node('Initiator', ...person),
        node('Owner', ...person),
        leaf('StorageClass', 'STANDARD'),
        leaf('Initiated', u.initiated.toISOString()),
      ),
    ),
    ...r.commonPrefixes.map((p) => node('CommonPrefixes', leaf('Prefix', enc(p)))),
  );
}
