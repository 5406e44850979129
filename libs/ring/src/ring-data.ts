import type { RingFormatProblem } from './ring.errors';
import { MAX_PARTITION_POWER, MAX_SERVICES, MIN_PARTITION_POWER } from './ring-input';
import type { RingData } from './ring.types';

export interface RingDataProblem {
  readonly problem: RingFormatProblem;
  readonly message: string;
}

/**
 * Structural check of ring data (as built, or as decoded): metadata in range,
 * unique service ids, every table entry a valid service index, and the
 * replicas of each partition on distinct services.
 */
export function findRingDataProblem(data: RingData): RingDataProblem | undefined {
  const meta = (message: string): RingDataProblem => ({ problem: 'bad-meta', message });
  const { option, version, createdAt, replicas, partitionPower, services, table } = data;
  if (typeof option !== 'string' || option.length === 0) return meta('option must be a non-empty string');
  if (!Number.isSafeInteger(version) || version < 0) return meta(`bad version ${version}`);
  if (!Number.isSafeInteger(createdAt) || createdAt < 0) return meta(`bad createdAt ${createdAt}`);
  if (!Number.isInteger(partitionPower) || partitionPower < MIN_PARTITION_POWER || partitionPower > MAX_PARTITION_POWER) {
    return meta(`partition power ${partitionPower} outside ${MIN_PARTITION_POWER}..${MAX_PARTITION_POWER}`);
  }
  if (!Array.isArray(services) || services.length === 0 || services.length > MAX_SERVICES) {
    return meta('services must be a non-empty array of at most 65535');
  }
  const ids = new Set<string>();
  for (const s of services) {
    if (typeof s?.id !== 'string' || s.id.length === 0 || typeof s.region !== 'string' || s.region.length === 0) {
      return meta('every service needs a non-empty id and region');
    }
    if (typeof s.weight !== 'number' || !Number.isFinite(s.weight) || s.weight < 0) return meta(`service "${s.id}" has a bad weight`);
    if (ids.has(s.id)) return meta(`duplicate service id "${s.id}"`);
    ids.add(s.id);
  }
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > services.length) {
    return meta(`replicas ${replicas} outside 1..${services.length} (the number of services)`);
  }
  const T = 2 ** partitionPower;
  if (!(table instanceof Uint16Array) || table.length !== replicas * T) {
    return { problem: 'truncated', message: `table must hold ${replicas * T} entries` };
  }
  const S = services.length;
  for (let p = 0; p < T; p++) {
    const row = p * replicas;
    for (let r = 0; r < replicas; r++) {
      const s = table[row + r];
      if (s >= S) {
        return { problem: 'index-out-of-range', message: `partition ${p} replica ${r} points at service ${s}, only ${S} exist` };
      }
      for (let q = 0; q < r; q++) {
        if (table[row + q] === s) {
          return { problem: 'duplicate-replica', message: `partition ${p} has two replicas on service "${services[s].id}"` };
        }
      }
    }
  }
  return undefined;
}
