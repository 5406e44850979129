import { describe, expect, it } from '@jest/globals';
import { Ring } from './ring';
import { buildRing } from './ring-builder';
import { encodeRingContent, sha256 } from './ring-codec';
import { RingFormatError, type RingFormatProblem } from './ring.errors';
import type { RingData } from './ring.types';

const { ring } = buildRing({
  option: 'standard',
  version: 7,
  createdAt: 1_700_000_000_123,
  replicas: 3,
  partitionPower: 8,
  services: Array.from({ length: 6 }, (_, i) => ({ id: `svc-${i}`, region: `region-${i % 3}`, weight: 1 + i / 10 })),
});
const bytes = ring.serialize();

function problemOf(input: Uint8Array): RingFormatProblem | undefined {
  try {
    Ring.deserialize(input);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(RingFormatError);
    return (error as RingFormatError).problem;
  }
}

/** Valid framing and checksum around arbitrary data (as a buggy writer would produce). */
function withChecksum(data: RingData): Uint8Array {
  const content = encodeRingContent(data);
  return Uint8Array.from([...content, ...sha256(content)]);
}

describe('ring serialisation', () => {
  it('round-trips to an identical ring', () => {
    const sut = Ring.deserialize(bytes);
    expect(sut.checksum).toBe(ring.checksum);
    expect(sut.services).toEqual(ring.services);
    expect(sut).toMatchObject({ option: 'standard', version: 7, createdAt: 1_700_000_000_123, replicas: 3, partitionPower: 8 });
    for (let p = 0; p < ring.partitionCount; p++) expect(sut.primaries(p)).toEqual(ring.primaries(p));
    expect(Buffer.from(sut.serialize()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('is compact: header, small metadata, 2 bytes per entry, checksum', () => {
    const metaLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    expect(Buffer.from(bytes.subarray(0, 8)).toString()).toBe('MCOSRING');
    expect(bytes.length).toBe(16 + metaLength + 2 * 3 * 256 + 32);
    expect(metaLength).toBeLessThan(400);
    expect(Buffer.from(bytes.subarray(bytes.length - 32)).toString('hex')).toBe(ring.checksum);
  });

  it('reads from a view into a larger buffer', () => {
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    expect(Ring.deserialize(padded.subarray(5, 5 + bytes.length)).checksum).toBe(ring.checksum);
  });

  it.each([0, 10, 16, 100, bytes.length - 33, bytes.length - 1])('rejects a ring truncated to %i bytes', (length) => {
    expect(problemOf(bytes.subarray(0, length))).toBe('truncated');
  });

  it('rejects trailing bytes', () => {
    expect(problemOf(Uint8Array.from([...bytes, 0]))).toBe('trailing-bytes');
  });

  it('rejects a bad magic', () => {
    const copy = Uint8Array.from(bytes);
    copy[0] = 0x58;
    expect(problemOf(copy)).toBe('bad-magic');
  });

  it('rejects an unknown format version', () => {
    const copy = Uint8Array.from(bytes);
    copy[8] = 2;
    expect(problemOf(copy)).toBe('unsupported-version');
    expect(() => Ring.deserialize(copy)).toThrow('format version 2, this code reads 1');
  });

  it.each([
    ['the table', bytes.length - 100],
    ['the metadata', 30],
    ['the checksum', bytes.length - 1],
  ])('detects a flipped bit in %s', (_, at) => {
    const copy = Uint8Array.from(bytes);
    copy[at] ^= 0x04;
    expect(problemOf(copy)).toMatch(/checksum-mismatch|bad-meta/);
  });

  it('reports a checksum mismatch with both digests', () => {
    const copy = Uint8Array.from(bytes);
    copy[bytes.length - 100] ^= 1;
    expect(() => Ring.deserialize(copy)).toThrow(/checksum-mismatch.*hashes to [0-9a-f]{64}, the ring says [0-9a-f]{64}/);
  });

  it('rejects an index out of range even with a valid checksum', () => {
    const table = ring.data().table;
    table[10] = 6;
    expect(problemOf(withChecksum({ ...ring.data(), table }))).toBe('index-out-of-range');
  });

  it('rejects a partition with one service twice', () => {
    const table = ring.data().table;
    table[4] = table[3];
    expect(problemOf(withChecksum({ ...ring.data(), table }))).toBe('duplicate-replica');
  });

  it('rejects metadata that is not JSON or out of range', () => {
    const copy = Uint8Array.from(bytes);
    copy[16] = 0x7b + 1; // '{' -> '|'
    expect(problemOf(copy)).toBe('bad-meta');
    expect(problemOf(withChecksum({ ...ring.data(), option: '' }))).toBe('bad-meta');
  });
});
