import { RingInputError } from './ring.errors';
import type { RingBuildInput, RingService } from './ring.types';

export const MIN_PARTITION_POWER = 8;
export const MAX_PARTITION_POWER = 22;
/** Indices are Uint16 and 0xffff is reserved for "unassigned" while building. */
export const MAX_SERVICES = 0xffff;

/**
 * Checks a build input and returns its services sorted by id (frozen copies),
 * so that input order never changes the ring.
 * @throws RingInputError naming the first problem found.
 */
export function canonicalServices(input: RingBuildInput): readonly RingService[] {
  const { option, version, createdAt, replicas, partitionPower, services, previous } = input;
  if (typeof option !== 'string' || option.length === 0) fail('option must be a non-empty string');
  if (!Number.isSafeInteger(version) || version < 0) fail(`version must be a safe integer >= 0, got ${version}`);
  if (!Number.isSafeInteger(createdAt) || createdAt < 0) {
    fail(`createdAt must be a safe integer >= 0 (ms since the epoch), got ${createdAt}`);
  }
  if (!Number.isInteger(replicas) || replicas < 1) fail(`replicas must be an integer >= 1, got ${replicas}`);
  if (!Number.isInteger(partitionPower) || partitionPower < MIN_PARTITION_POWER || partitionPower > MAX_PARTITION_POWER) {
    fail(`partitionPower must be an integer from ${MIN_PARTITION_POWER} to ${MAX_PARTITION_POWER}, got ${partitionPower}`);
  }
  if (!Array.isArray(services) || services.length === 0) fail('services must be a non-empty array');
  if (services.length > MAX_SERVICES) fail(`at most ${MAX_SERVICES} services are supported, got ${services.length}`);

  const seen = new Set<string>();
  let total = 0;
  let active = 0;
  const copies = services.map((service, i): RingService => {
    const { id, region, weight } = service ?? ({} as RingService);
    if (typeof id !== 'string' || id.length === 0) fail(`services[${i}].id must be a non-empty string`);
    if (seen.has(id)) fail(`duplicate service id "${id}"`);
    seen.add(id);
    if (typeof region !== 'string' || region.length === 0) fail(`service "${id}": region must be a non-empty string`);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      fail(`service "${id}": weight must be a finite number >= 0, got ${weight}`);
    }
    total += weight;
    if (weight > 0) active++;
    return Object.freeze({ id, region, weight });
  });
  if (!(total > 0)) fail('total weight is zero: at least one service needs weight > 0');
  if (!Number.isFinite(total)) fail('total weight overflows');
  if (replicas > active) {
    fail(`replicas (${replicas}) exceeds the number of services with weight > 0 (${active})`);
  }
  if (previous !== undefined) {
    if (previous.option !== option) fail(`previous ring belongs to option "${previous.option}", not "${option}"`);
    if (previous.partitionPower !== partitionPower) {
      fail(`partitionPower cannot change (previous ring has ${previous.partitionPower}, got ${partitionPower})`);
    }
    if (previous.replicas !== replicas) {
      fail(`replicas cannot change in a rebalance (previous ring has ${previous.replicas}, got ${replicas}); build a new ring`);
    }
    if (version <= previous.version) fail(`version (${version}) must be greater than the previous ring's (${previous.version})`);
  }
  return Object.freeze(copies.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
}

function fail(message: string): never {
  throw new RingInputError(message);
}
