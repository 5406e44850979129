import type { BackendKind, ServiceStatus } from '@mcos/common';

/** Where a service's ring weight came from. */
export type WeightSource = 'configured' | 'capacity' | 'default';

/** A cloud service as the registry records it. */
export interface RegisteredService {
  name: string;
  url: string;
  region: string;
  backend: BackendKind;
  status: ServiceStatus;
  /** Ring weight used (configured, or derived at registration). */
  weight: number;
  weightSource: WeightSource;
  capacityTotalBytes?: number;
  capacityUsedBytes?: number;
  writeMBps?: number;
  readMBps?: number;
  /** Round-trip times to peers, as last reported. */
  distancesMs: Record<string, number>;
  registeredAt: number;
  updatedAt: number;
  /** Last successful poll or registration. */
  lastSeenAt?: number;
  /** PEM (SPKI) of the agent's own identity key (absent: registered before agents had keys). */
  publicKey?: string;
  /** Set once an admin revoked the identity: out of the map, assertions refused, registration 403. */
  revokedAt?: number;
  /** Set when an admin re-admitted a REMOVED service: the next registration may bring a new key. */
  readmittedAt?: number;
}
