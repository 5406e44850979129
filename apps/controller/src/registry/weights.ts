import type { RegisteredService, WeightSource } from './registered-service';

const GIB = 1024 ** 3;

/**
 * The ring weight of a (re-)registering service:
 * - the weight it was configured with, when it sends one;
 * - else the weight it already had (a restart never moves data);
 * - else its capacity share: total capacity in GiB (so weights stay
 *   proportional to capacity across services);
 * - else (capacity unknown, e.g. most S3 buckets) the mean weight of the
 *   other services, or 1 for the first one.
 */
export function weightFor(
  request: { weight?: number; capacityTotalBytes?: number },
  existing: RegisteredService | undefined,
  others: readonly RegisteredService[],
): { weight: number; weightSource: WeightSource } {
  if (request.weight !== undefined) return { weight: request.weight, weightSource: 'configured' };
  if (existing && existing.weightSource !== 'configured') {
    return { weight: existing.weight, weightSource: existing.weightSource };
  }
  if (request.capacityTotalBytes !== undefined && request.capacityTotalBytes > 0) {
    return { weight: Math.max(0.001, Math.round((request.capacityTotalBytes / GIB) * 1000) / 1000), weightSource: 'capacity' };
  }
  const peers = others.filter((s) => s.status !== 'REMOVED' && s.weight > 0);
  const mean = peers.length > 0 ? peers.reduce((sum, s) => sum + s.weight, 0) / peers.length : 1;
  return { weight: Math.round(mean * 1000) / 1000, weightSource: 'default' };
}
