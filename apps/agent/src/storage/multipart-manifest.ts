import { createHash } from 'node:crypto';
import { MAX_PART_NUMBER, UPLOAD_ID_PATTERN } from './object-key';
import type { MultipartSummary } from './replica-version';

/** One part as a completed object references it: its number, the version of its part key, its size and MD5. */
export interface ManifestPart {
  partNumber: number;
  /** Timestamp of the part key's version the manifest was made from (a later re-upload is not this part). */
  timestamp: string;
  size: number;
  /** MD5 hex of the part's bytes. */
  etag: string;
}

/**
 * The body of a multipart object's version: which upload's parts, in order,
 * make the object. Complete writes it as one version of the object key, so
 * the object appears whole and at once; no byte of a part is copied.
 */
export interface MultipartManifest {
  uploadId: string;
  parts: ManifestPart[];
}

/** Largest manifest body accepted from a backend or a peer (10,000 parts at ~90 bytes each, with room). */
export const MAX_MANIFEST_BYTES = 2 << 20;

export function encodeManifest(m: MultipartManifest): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, uploadId: m.uploadId, parts: m.parts.map((p) => [p.partNumber, p.timestamp, p.size, p.etag]) }));
}

/** Parses a stored manifest; throws on anything that is not one (a manifest is read from backends and peers). */
export function decodeManifest(body: Buffer): MultipartManifest {
  if (body.length > MAX_MANIFEST_BYTES) throw new Error('multipart manifest too large');
  const raw = JSON.parse(body.toString('utf8')) as { v?: unknown; uploadId?: unknown; parts?: unknown };
  if (raw.v !== 1 || typeof raw.uploadId !== 'string' || !UPLOAD_ID_PATTERN.test(raw.uploadId) || !Array.isArray(raw.parts)) {
    throw new Error('not a multipart manifest');
  }
  if (raw.parts.length < 1 || raw.parts.length > MAX_PART_NUMBER) throw new Error('multipart manifest: bad part count');
  let previous = 0;
  const parts = raw.parts.map((p: unknown): ManifestPart => {
    if (!Array.isArray(p) || p.length !== 4) throw new Error('multipart manifest: bad part');
    const [partNumber, timestamp, size, etag] = p as unknown[];
    if (!Number.isInteger(partNumber) || (partNumber as number) <= previous || (partNumber as number) > MAX_PART_NUMBER) throw new Error('multipart manifest: bad part number');
    if (typeof timestamp !== 'string' || !Number.isSafeInteger(size) || (size as number) < 0 || typeof etag !== 'string' || !/^[0-9a-f]{32}$/.test(etag)) {
      throw new Error('multipart manifest: bad part');
    }
    previous = partNumber as number;
    return { partNumber: partNumber as number, timestamp, size: size as number, etag };
  });
  return { uploadId: raw.uploadId, parts };
}

/** S3's multipart ETag: the MD5 of the concatenated binary MD5s of the parts, then `-<number of parts>`. */
export function multipartEtag(parts: readonly Pick<ManifestPart, 'etag'>[]): string {
  const hash = createHash('md5');
  for (const p of parts) hash.update(Buffer.from(p.etag, 'hex'));
  return `${hash.digest('hex')}-${parts.length}`;
}

export function summaryOf(m: MultipartManifest): MultipartSummary {
  return { size: m.parts.reduce((n, p) => n + p.size, 0), etag: multipartEtag(m.parts), parts: m.parts.length };
}

/** A slice of one part: read bytes `start..end` (inclusive) of part `index` of the manifest. */
export interface PartSlice {
  index: number;
  start: number;
  end: number;
}

/** The parts (and the bytes of each) that bytes `start..end` (inclusive) of the object span, in order. */
export function slicesOf(m: MultipartManifest, start: number, end: number): PartSlice[] {
  const out: PartSlice[] = [];
  let offset = 0;
  m.parts.forEach((p, index) => {
    const first = offset;
    const last = offset + p.size - 1;
    offset += p.size;
    if (p.size === 0 || last < start || first > end) return;
    out.push({ index, start: Math.max(start, first) - first, end: Math.min(end, last) - first });
  });
  return out;
}

/** Where part `index` starts in the object. */
export function offsetOf(m: MultipartManifest, index: number): number {
  let offset = 0;
  for (let i = 0; i < index; i++) offset += m.parts[i].size;
  return offset;
}
