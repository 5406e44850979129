import type { StorageOption } from '@mcos/common';
import type { RegisteredService } from '../registry/registered-service';
import type { RingMember } from './stored-ring';

/**
 * The services an option's ring is built from: every registered service that
 * an admin has not REMOVED (a DISCONNECTED or SHUTOFF service keeps its place,
 * so a restart or an outage moves no data), that has a positive weight, and
 * that matches the option's placement (regions and services; when both are
 * given a service must match both). Sorted by name.
 */
export function eligibleMembers(option: StorageOption, services: readonly RegisteredService[]): RingMember[] {
  const regions = option.placement?.regions?.length ? new Set(option.placement.regions) : undefined;
  const names = option.placement?.services?.length ? new Set(option.placement.services) : undefined;
  return services
    .filter((s) => s.status !== 'REMOVED' && s.weight > 0)
    .filter((s) => (!regions || regions.has(s.region)) && (!names || names.has(s.name)))
    .map((s) => ({ name: s.name, region: s.region, weight: s.weight }))
    .sort((a, b) => compare(a.name, b.name));
}

/** Same services with the same region and weight (order-insensitive). */
export function sameMembers(a: readonly RingMember[], b: readonly RingMember[]): boolean {
  if (a.length !== b.length) return false;
  const sortedA = [...a].sort((x, y) => compare(x.name, y.name));
  const sortedB = [...b].sort((x, y) => compare(x.name, y.name));
  return sortedA.every((m, i) => {
    const other = sortedB[i] as RingMember;
    return m.name === other.name && m.region === other.region && m.weight === other.weight;
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
