import type { UserRole } from '../auth/token';
import type { BackgroundProgress } from '../cluster/agent-protocol.types';
import type { BackendKind, ServiceStatus, StorageOption } from '../cluster/cluster-map.types';

/**
 * The JSON the controller's admin API answers with: one meaning per name,
 * shared by the controller (whose response DTOs implement these, so Swagger
 * and the code cannot drift apart), the CLI and the launcher (which read
 * them). Interfaces only.
 */

/** `GET /v1/services[/{name}]`: a registered service with its latest health. */
export interface ServiceView {
  name: string;
  url: string;
  region: string;
  backend: BackendKind;
  status: ServiceStatus;
  /** Ring weight in use. */
  weight: number;
  /** Where the weight comes from: the registration, the reported capacity, or the default. */
  weightSource: 'configured' | 'capacity' | 'default';
  capacity: { totalBytes?: number; usedBytes?: number };
  speed: { writeMBps?: number; readMBps?: number };
  /** Round-trip ms to each peer, by service name. */
  distancesMs: Record<string, number>;
  /** Cluster map version the agent reported last. */
  clusterMapVersion?: number;
  /** Ring version per option the agent holds. */
  ringVersions: Record<string, number>;
  progress?: BackgroundProgress;
  /** Consecutive failed polls. */
  missedPolls: number;
  /** ISO 8601. */
  registeredAt: string;
  lastSeenAt?: string;
  /** Last health report since the controller started (ISO 8601). */
  lastReportAt?: string;
}

/** `GET /v1/services/distances`. */
export interface DistanceMatrix {
  services: string[];
  /** `matrixMs[from][to]`: round-trip ms that `from` measured to `to`. */
  matrixMs: Record<string, Record<string, number>>;
}

/** One service's part of a ClusterProgress. */
export interface ServiceProgress {
  name: string;
  status: ServiceStatus;
  reportedAt?: string;
  progress?: BackgroundProgress;
}

/** `GET /v1/cluster/progress`: background work summed over the services. */
export interface ClusterProgress {
  clusterMapVersion: number;
  /** Objects still to migrate, per option, summed over services. */
  remainingByOption: Record<string, number>;
  remaining: number;
  oldestUnreplicatedMs: number;
  totals: { scanned: number; pushed: number; moved: number; deleted: number; corrupt: number; failures: number };
  /** ACTIVE services that have not reported since the controller started. */
  unreported: string[];
  /** Every ACTIVE service reported, nothing remains, nothing unreplicated. */
  settled: boolean;
  services: ServiceProgress[];
}

/** `GET /v1/options[/{name}]`: a storage option with what the controller knows of its use. */
export interface OptionView extends StorageOption {
  /** W + Rq > R. */
  readYourWrites: boolean;
  /** Current ring version; absent when the option has no ring. */
  ringVersion?: number;
  /** Containers using it (largest count an agent reported); absent when unknown. */
  containers?: number;
  createdAt: string;
  updatedAt: string;
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
  /** Moves left for later rebalances (one replica per partition at a time). */
  remainingMoves: number;
  /** Partitions that lost more than one replica at once (only when services were removed). */
  multiMovePartitions: number;
  byService: Record<string, { gained: number; lost: number }>;
}

/** A built ring's facts, in an OptionRingView. */
export interface RingDetails {
  version: number;
  /** ISO 8601. */
  createdAt: string;
  checksum: string;
  replicas: number;
  partitionPower: number;
  partitions: number;
  /** Worst per-service deviation from its share, %. */
  balancePercent: number;
  /** Partitions spread over as many regions as possible, %. */
  dispersionPercent: number;
  services: RingServiceShare[];
  lastRebalance?: RingMovement;
  previousVersion?: number;
}

/**
 * `GET /v1/rings[/{option}]`: one storage option's ring as the admin API
 * shows it (built or not, and whether a rebuild would change it).
 */
export interface OptionRingView {
  option: string;
  replicas: number;
  built: boolean;
  /** Why there is no ring, or why a rebalance is pending. */
  reason?: string;
  /** The ring's inputs differ from the current membership (or moves remain): a rebuild would change it. */
  pendingRebalance: boolean;
  ring?: RingDetails;
}

export type RingAction = 'build' | 'rebalance' | 'unchanged' | 'skipped';

/** How one service's share changes in a RingChange. */
export interface ServiceMovement {
  name: string;
  /** Partition-replicas before. */
  before: number;
  /** Partition-replicas after. */
  after: number;
  gained: number;
  lost: number;
  /** Bytes leaving this service (estimate from its reported index size). */
  estimatedBytes: number;
}

/** What (re)building one option's ring does, or would do. */
export interface RingChange {
  option: string;
  action: RingAction;
  /** Why nothing happens (skipped) or why a rebalance is needed. */
  reason?: string;
  currentVersion?: number;
  /** The new ring's version (applied), or the version it would get (dry run). */
  newVersion?: number;
  moved: number;
  minimumMoves: number;
  remainingMoves: number;
  services: ServiceMovement[];
  /** Bytes that would leave their current holders, from the agents' index sizes. */
  estimatedBytesToMove: number;
  /** False when some service that loses partitions has not reported its index size. */
  bytesEstimateComplete: boolean;
}

/** `POST /v1/rings/rebuild[?dryRun=true]`. */
export interface RebuildResult {
  dryRun: boolean;
  /** Cluster map version after the rebuild (unchanged for a dry run or when nothing changed). */
  clusterMapVersion: number;
  options: RingChange[];
}

/** `POST /v1/users` body; `role` defaults to `user` (least privilege). */
export interface CreateUserRequest {
  username: string;
  password: string;
  role?: UserRole;
}

/** `GET /v1/users[/{username}]`, and the answer to `POST /v1/users`. */
export interface UserView {
  username: string;
  role: UserRole;
  /** ISO 8601. */
  createdAt: string;
  updatedAt: string;
}
