import type { ServiceStatus } from '@mcos/common';

/**
 * Status after one poll. ACTIVE becomes DISCONNECTED once `misses`
 * consecutive polls failed (misses >= threshold); DISCONNECTED becomes ACTIVE
 * on the first answer. SHUTOFF and REMOVED services are not polled; they
 * change only through registration (and REMOVED only through an admin).
 */
export function statusAfterPoll(status: ServiceStatus, answered: boolean, misses: number, missThreshold: number): ServiceStatus {
  if (status === 'ACTIVE' && !answered && misses >= missThreshold) return 'DISCONNECTED';
  if (status === 'DISCONNECTED' && answered) return 'ACTIVE';
  return status;
}
