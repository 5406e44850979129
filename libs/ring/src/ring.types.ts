import type { Ring } from './ring';

/** A cloud service as the ring sees it. */
export interface RingService {
  /** Unique, non-empty. Services are kept sorted by id inside a ring. */
  readonly id: string;
  /** Failure domain (non-empty); replicas of a partition avoid sharing one. */
  readonly region: string;
  /** Relative capacity share, finite and >= 0; 0 = holds nothing. */
  readonly weight: number;
}

/** Everything a ring is made of; the checksum is derived from it. */
export interface RingData {
  readonly option: string;
  readonly version: number;
  /** Milliseconds since the epoch, supplied by the caller (no clock here). */
  readonly createdAt: number;
  readonly replicas: number;
  readonly partitionPower: number;
  readonly services: readonly RingService[];
  /**
   * Partition-major assignment table: `table[partition * replicas + replica]`
   * is an index into `services`. Length `replicas << partitionPower`.
   */
  readonly table: Uint16Array;
}

export interface RingBuildInput {
  /** Storage option (policy) name the ring belongs to. */
  readonly option: string;
  /** Ring version, a safe integer >= 0, greater than `previous.version`. */
  readonly version: number;
  /** Milliseconds since the epoch, a safe integer >= 0. */
  readonly createdAt: number;
  /** Replicas R >= 1, at most the number of services with weight > 0. */
  readonly replicas: number;
  /** Partition power P, 8..22: the ring has 2^P partitions. */
  readonly partitionPower: number;
  /** Any order: they are sorted by id, so input order never matters. */
  readonly services: readonly RingService[];
  /**
   * The ring being replaced. Same option, replicas and partition power.
   * Without it the ring is built from scratch.
   */
  readonly previous?: Ring;
}

/** One service's share of the ring's partition-replicas. */
export interface RingShare {
  readonly id: string;
  readonly region: string;
  readonly weight: number;
  /** Partition-replicas it holds. */
  readonly count: number;
  /**
   * Its ideal count under the placement policy (weight-proportional, with
   * region dispersion caps applied, see `computeIdeals`). Not an integer.
   */
  readonly ideal: number;
  /** Its purely weight-proportional count, ignoring dispersion. */
  readonly weightIdeal: number;
}

/** How well a ring meets the placement goals. */
export interface RingBalance {
  /**
   * Worst relative deviation, in percent, of a service's count from its
   * `ideal` (services with weight > 0; a weight-0 service holding anything
   * counts as 100). 0 is perfect; integer granularity alone gives up to
   * 100 / ideal.
   */
  readonly balancePercent: number;
  /** The same against `weightIdeal`, i.e. the cost of dispersion. */
  readonly rawBalancePercent: number;
  /**
   * Percentage of partitions whose replicas lie in at least min(R, G)
   * distinct regions, G being the number of regions that have a service with
   * weight > 0. 100 = full dispersion.
   */
  readonly dispersionPercent: number;
  /** G: regions with at least one service of weight > 0. */
  readonly regionCount: number;
  /** Per service, in ring (id) order. */
  readonly shares: readonly RingShare[];
}

export interface RingBuildReport extends RingBalance {
  /** 2^P. */
  readonly partitions: number;
  /** Partition-replicas whose service changed from `previous`; 0 without one. */
  readonly moved: number;
  /**
   * Lower bound on `moved`: sum over surviving services of
   * max(0, target - count in previous); it includes `forcedMoves`.
   * 0 without `previous`.
   */
  readonly minimumMoves: number;
  /** Partition-replicas that sat on removed or weight-0 services. */
  readonly forcedMoves: number;
  /**
   * Partitions where more than one replica moved in this rebalance. Only
   * forced moves cause this (several replicas sat on removed services);
   * for those partitions the previous quorum is no longer intact.
   */
  readonly multiMovePartitions: number;
  /**
   * Partition-replicas still to move before every service is at its target
   * (0 = converged). Non-zero when the one-replica-per-partition rule capped
   * this step: rebalance again (with this ring as `previous`) once data
   * has migrated.
   */
  readonly remainingMoves: number;
  /**
   * True when a further rebalance has nothing to do: `remainingMoves` is 0
   * and dispersion is full. Otherwise build again from this ring (once data
   * has migrated); a rebalance that moves nothing will not get further.
   */
  readonly settled: boolean;
}

/** One partition-replica that changed service between two rings. */
export interface RingMove {
  readonly partition: number;
  readonly replica: number;
  /** Index into the older ring's services. */
  readonly fromIndex: number;
  readonly fromId: string;
  /** Index into the newer ring's services. */
  readonly toIndex: number;
  readonly toId: string;
}
