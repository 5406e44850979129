/** One input of a ring build: a service as the ring sees it. */
export interface RingMember {
  name: string;
  region: string;
  weight: number;
}

/** Partition-replicas one service holds in a ring, against its weight's share. */
export interface RingServiceShare {
  name: string;
  region: string;
  weight: number;
  partitionReplicas: number;
  /** What its weight asks for (may be fractional). */
  desired: number;
  /** (actual - desired) / desired, in percent. */
  balancePercent: number;
}

/** What a rebalance moved relative to the ring before it. */
export interface RingMovement {
  fromVersion: number;
  /** Partition-replicas whose holder changed. */
  moved: number;
  /** The fewest moves any ring could have made for this change. */
  minimumMoves: number;
  /**
   * Moves still needed to reach every target: a rebalance moves at most one
   * replica per partition, so a big change takes several rebalances (each
   * once data has migrated).
   */
  remainingMoves: number;
  /** Partitions that lost more than one replica at once (only when services were removed). */
  multiMovePartitions: number;
  byService: Record<string, { gained: number; lost: number }>;
}

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
