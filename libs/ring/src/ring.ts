import { hash32, mix32, partitionOf } from './hash';
import { RingInputError } from './ring.errors';
import { decodeRing, encodeRing, encodeRingContent, sha256, toHex } from './ring-codec';
import { findRingDataProblem } from './ring-data';
import type { RingData, RingService } from './ring.types';

/**
 * An immutable ring: for one storage option, maps each of 2^P partitions to
 * R distinct services. Lookups (`partitionOf`, `primaries` with `out`,
 * `primaryAt`) are O(1) and allocate nothing.
 *
 * Obtain one from `buildRing`, `Ring.deserialize` or `Ring.create`.
 */
export class Ring {
  readonly option: string;
  readonly version: number;
  readonly createdAt: number;
  readonly replicas: number;
  readonly partitionPower: number;
  /** 2^partitionPower. */
  readonly partitionCount: number;
  /** Sorted by id as built; indices into this array are "service indices". */
  readonly services: readonly RingService[];
  /** SHA-256 (hex) of the serialised content; equal rings have equal checksums. */
  readonly checksum: string;

  private readonly table: Uint16Array;
  private readonly indexById: Map<string, number>;
  private readonly counts: Int32Array;
  private readonly regionOf: Int32Array;
  private readonly idHash: Uint32Array;

  private constructor(data: RingData, checksum: string) {
    this.option = data.option;
    this.version = data.version;
    this.createdAt = data.createdAt;
    this.replicas = data.replicas;
    this.partitionPower = data.partitionPower;
    this.partitionCount = 2 ** data.partitionPower;
    this.services = Object.freeze(data.services.map((s) => Object.freeze({ id: s.id, region: s.region, weight: s.weight })));
    this.checksum = checksum;
    this.table = data.table;
    this.indexById = new Map(this.services.map((s, i) => [s.id, i]));
    this.counts = new Int32Array(this.services.length);
    for (const s of this.table) this.counts[s]++;
    const regions = new Map([...new Set(this.services.map((s) => s.region))].sort().map((name, g) => [name, g]));
    this.regionOf = Int32Array.from(this.services, (s) => regions.get(s.region) as number);
    this.idHash = Uint32Array.from(this.services, (s) => hash32(s.id));
  }

  /**
   * A ring from explicit data (the table is copied). The builder uses it;
   * so can tests and tools.
   * @throws RingInputError when the data is inconsistent (index out of
   *   range, a partition with a service twice, bad metadata).
   */
  static create(data: RingData): Ring {
    const problem = findRingDataProblem(data);
    if (problem) throw new RingInputError(problem.message);
    const copy = { ...data, table: Uint16Array.from(data.table) };
    return new Ring(copy, toHex(sha256(encodeRingContent(copy))));
  }

  /**
   * Loads a ring written by `serialize`, verifying its structure and checksum.
   * @throws RingFormatError (bad magic, unsupported version, truncated,
   *   checksum mismatch, index out of range, ...).
   */
  static deserialize(bytes: Uint8Array): Ring {
    const { data, checksum } = decodeRing(bytes);
    return new Ring(data, checksum);
  }

  /** Compact binary form (see ring-codec.ts), byte-identical for equal rings. */
  serialize(): Uint8Array {
    return encodeRing({ ...this.data(), table: this.table });
  }

  /** Partition of `/<account>/<container>/<object>`. Allocation-free. */
  partitionOf(account: string, container: string, object: string): number {
    return partitionOf(this.partitionPower, account, container, object);
  }

  /**
   * Service indices of the partition's R primaries, in replica order. With
   * `out` (length >= R) fills and returns it without allocating.
   * @throws RangeError for a partition outside 0..2^P-1.
   */
  primaries(partition: number): number[];
  primaries<T extends Uint16Array | Uint32Array | Int32Array | number[]>(partition: number, out: T): T;
  primaries(partition: number, out?: Uint16Array | Uint32Array | Int32Array | number[]): Uint16Array | Uint32Array | Int32Array | number[] {
    this.checkPartition(partition);
    const R = this.replicas;
    const target = out ?? new Array<number>(R);
    const row = partition * R;
    for (let r = 0; r < R; r++) target[r] = this.table[row + r];
    return target;
  }

  /** Service index of one replica (0..R-1) of a partition. */
  primaryAt(partition: number, replica: number): number {
    this.checkPartition(partition);
    if (!(replica >= 0 && replica < this.replicas && Number.isInteger(replica))) {
      throw new RangeError(`replica ${replica} outside 0..${this.replicas - 1}`);
    }
    return this.table[partition * this.replicas + replica];
  }

  /**
   * Where to write when primaries fail: every other service with weight > 0,
   * first those in regions none of the primaries is in, then the rest; each
   * group ordered by a hash of (partition, service id), so the handoff load
   * of a failed service spreads over the others and the order stays put
   * when unrelated services join or leave. Allocates; not for the hot path.
   */
  handoffs(partition: number): number[] {
    const primaries = this.primaries(partition);
    const primaryRegions = new Set(primaries.map((s) => this.regionOf[s]));
    const candidates: { index: number; group: number; score: number }[] = [];
    this.services.forEach((s, index) => {
      if (s.weight <= 0 || primaries.includes(index)) return;
      const group = primaryRegions.has(this.regionOf[index]) ? 1 : 0;
      candidates.push({ index, group, score: mix32(this.idHash[index], partition) });
    });
    candidates.sort((a, b) => a.group - b.group || a.score - b.score || a.index - b.index);
    return candidates.map((c) => c.index);
  }

  /** Index of the service with this id, or -1. */
  serviceIndex(id: string): number {
    return this.indexById.get(id) ?? -1;
  }

  /** @throws RangeError for an index outside the services. */
  serviceAt(index: number): RingService {
    const service = this.services[index];
    if (service === undefined) throw new RangeError(`service index ${index} outside 0..${this.services.length - 1}`);
    return service;
  }

  /** Partition-replicas held by a service (0 for an unknown index). */
  replicaCount(index: number): number {
    return this.counts[index] ?? 0;
  }

  /** Ascending partitions of which the service holds a replica. */
  partitionsOf(index: number): Uint32Array {
    this.serviceAt(index);
    const out = new Uint32Array(this.counts[index]);
    const R = this.replicas;
    let n = 0;
    for (let i = 0; i < this.table.length; i++) if (this.table[i] === index) out[n++] = Math.floor(i / R);
    return out;
  }

  /** The ring's data; the table is a copy. */
  data(): RingData {
    return {
      option: this.option,
      version: this.version,
      createdAt: this.createdAt,
      replicas: this.replicas,
      partitionPower: this.partitionPower,
      services: this.services,
      table: Uint16Array.from(this.table),
    };
  }

  private checkPartition(partition: number): void {
    if (!(partition >= 0 && partition < this.partitionCount && partition === (partition | 0))) {
      throw new RangeError(`partition ${partition} outside 0..${this.partitionCount - 1}`);
    }
  }
}
