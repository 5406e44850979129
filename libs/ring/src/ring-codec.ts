import { createHash } from 'node:crypto';
import { RingFormatError } from './ring.errors';
import { findRingDataProblem } from './ring-data';
import { MAX_PARTITION_POWER, MIN_PARTITION_POWER } from './ring-input';
import type { RingData, RingService } from './ring.types';

/**
 * Binary ring format, version 1 (all integers little-endian):
 *
 *   offset  size  content
 *   0       8     magic "MCOSRING"
 *   8       2     format version (1)
 *   10      2     reserved, 0
 *   12      4     meta length M
 *   16      M     meta: UTF-8 JSON {option, version, createdAt, replicas,
 *                 partitionPower, services: [[id, region, weight], ...]}
 *   16+M    2·R·2^P  table, u16 service indices, partition-major
 *   end-32  32    SHA-256 of every byte before it (the ring's checksum)
 */
export const RING_MAGIC = 'MCOSRING';
export const RING_FORMAT_VERSION = 1;
const HEADER = 16;
const CHECKSUM = 32;
const MAGIC_BYTES = new TextEncoder().encode(RING_MAGIC);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes the checksum covers: everything but the trailing checksum. */
export function encodeRingContent(data: RingData): Uint8Array {
  const meta = new TextEncoder().encode(
    JSON.stringify({
      option: data.option,
      version: data.version,
      createdAt: data.createdAt,
      replicas: data.replicas,
      partitionPower: data.partitionPower,
      services: data.services.map((s) => [s.id, s.region, s.weight]),
    }),
  );
  const out = new Uint8Array(HEADER + meta.length + data.table.length * 2);
  const view = new DataView(out.buffer);
  out.set(MAGIC_BYTES, 0);
  view.setUint16(8, RING_FORMAT_VERSION, true);
  view.setUint32(12, meta.length, true);
  out.set(meta, HEADER);
  const at = HEADER + meta.length;
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.table.buffer, data.table.byteOffset, data.table.byteLength), at);
  } else {
    data.table.forEach((v, i) => view.setUint16(at + 2 * i, v, true));
  }
  return out;
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Content followed by its checksum. */
export function encodeRing(data: RingData): Uint8Array {
  const content = encodeRingContent(data);
  const out = new Uint8Array(content.length + CHECKSUM);
  out.set(content, 0);
  out.set(sha256(content), content.length);
  return out;
}

/**
 * Parses and fully verifies serialised ring bytes.
 * @throws RingFormatError saying what is wrong.
 */
export function decodeRing(bytes: Uint8Array): { data: RingData; checksum: string } {
  if (!(bytes instanceof Uint8Array)) throw new RingFormatError('bad-magic', 'expected a Uint8Array');
  if (bytes.length < HEADER) throw new RingFormatError('truncated', `${bytes.length} bytes, the header alone is ${HEADER}`);
  if (!MAGIC_BYTES.every((b, i) => bytes[i] === b)) throw new RingFormatError('bad-magic', `does not start with "${RING_MAGIC}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint16(8, true);
  if (format !== RING_FORMAT_VERSION) {
    throw new RingFormatError('unsupported-version', `format version ${format}, this code reads ${RING_FORMAT_VERSION}`);
  }
  const metaLength = view.getUint32(12, true);
  if (HEADER + metaLength + CHECKSUM > bytes.length) {
    throw new RingFormatError('truncated', `${bytes.length} bytes, the metadata alone needs ${HEADER + metaLength + CHECKSUM}`);
  }
  let meta: Omit<RingData, 'table' | 'services'> & { services: unknown };
  try {
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + metaLength)));
  } catch (error) {
    throw new RingFormatError('bad-meta', `metadata is not JSON (${(error as Error).message})`);
  }
  if (typeof meta !== 'object' || meta === null || !Array.isArray(meta.services)) {
    throw new RingFormatError('bad-meta', 'metadata lacks a services array');
  }
  const { replicas, partitionPower } = meta;
  if (!Number.isInteger(partitionPower) || partitionPower < MIN_PARTITION_POWER || partitionPower > MAX_PARTITION_POWER) {
    throw new RingFormatError('bad-meta', `partition power ${partitionPower} outside ${MIN_PARTITION_POWER}..${MAX_PARTITION_POWER}`);
  }
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > meta.services.length) {
    throw new RingFormatError('bad-meta', `replicas ${replicas} outside 1..${meta.services.length} (the number of services)`);
  }
  const entries = replicas * 2 ** partitionPower;
  const tableAt = HEADER + metaLength;
  const expected = tableAt + 2 * entries + CHECKSUM;
  if (bytes.length < expected) throw new RingFormatError('truncated', `${bytes.length} bytes, expected ${expected}`);
  if (bytes.length > expected) throw new RingFormatError('trailing-bytes', `${bytes.length} bytes, expected ${expected}`);
  const digest = sha256(bytes.subarray(0, expected - CHECKSUM));
  const stored = bytes.subarray(expected - CHECKSUM);
  if (!digest.every((b, i) => stored[i] === b)) {
    throw new RingFormatError('checksum-mismatch', `content hashes to ${toHex(digest)}, the ring says ${toHex(stored)}`);
  }
  const table = new Uint16Array(entries);
  if (LITTLE_ENDIAN) {
    new Uint8Array(table.buffer).set(bytes.subarray(tableAt, tableAt + 2 * entries));
  } else {
    for (let i = 0; i < entries; i++) table[i] = view.getUint16(tableAt + 2 * i, true);
  }
  const services = meta.services.map((s: unknown): RingService => {
    const [id, region, weight] = Array.isArray(s) ? s : [];
    return Object.freeze({ id, region, weight });
  });
  const { option, version, createdAt } = meta;
  const data: RingData = { option, version, createdAt, replicas, partitionPower, services, table };
  const problem = findRingDataProblem(data);
  if (problem) throw new RingFormatError(problem.problem, problem.message);
  return { data, checksum: toHex(digest) };
}
