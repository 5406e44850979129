/** One input of a ring build: a service as the ring sees it. */
export interface RingMember {
  name: string;
  region: string;
  weight: number;
}

import type { RingMovement, RingServiceShare } from '@mcos/common';
export type { RingMovement, RingServiceShare };

export interface RingStats {
  /** Worst |balancePercent| over the services. */
  balancePercent: number;
  /** Percent of partitions whose replicas spread over as many regions as they can (100 = full). */
  dispersionPercent: number;
  partitions: number;
  services: RingServiceShare[];
  movement?: RingMovement;
}

/** A built ring as the controller stores it. */
export interface StoredRing {
  option: string;
  version: number;
  createdAt: number;
  checksum: string;
  /** base64 of the serialised ring (@mcos/ring). */
  data: string;
  replicas: number;
  partitionPower: number;
  members: RingMember[];
  stats: RingStats;
}
