/**
 * What the controller and the agents say to each other over HTTP.
 *
 * Every call between parts carries X-MCOS-Assertion: a service assertion
 * (see @mcos/common signAssertion) by the sender's own Ed25519 key,
 * addressed to the receiver (an agent's name, or CONTROLLER_ISSUER).
 *
 * Agent -> controller
 *   POST /v1/services/register        headers X-MCOS-Join-Token and an assertion
 *                                     by the key in the body (proof of possession)
 *                                     body RegisterServiceRequest -> RegisterServiceResponse
 *   POST /v1/services/{name}/deregister  assertion of {name} itself -> 204 (status SHUTOFF)
 *   GET  /v1/cluster-map              assertion -> ClusterMap (signed)
 *   POST /v1/auth/login               public; an agent forwarding a user's login adds
 *                                     its assertion and X-MCOS-Client-Address
 *
 * Controller -> agent (controller's assertion)
 *   GET  /v1/agent/health             -> AgentHealth
 *   PUT  /v1/agent/cluster-map        body ClusterMap (signed) -> PushClusterMapResponse
 */
import type { BackendKind, ClusterMap } from './cluster-map.types';

export const JOIN_TOKEN_HEADER = 'x-mcos-join-token';
/**
 * The shared cluster credential of MCOS before per-agent keys. Accepted for
 * one thing only: an agent registered before it had a key proves, once,
 * that it is that agent when it registers its first key (upgrade).
 */
export const LEGACY_CLUSTER_CREDENTIAL_HEADER = 'x-mcos-cluster-credential';
/** A service assertion (see signAssertion). */
export const SERVICE_ASSERTION_HEADER = 'x-mcos-assertion';
/** The user's address, on a login an agent forwards; trusted only with a valid agent assertion. */
export const CLIENT_ADDRESS_HEADER = 'x-mcos-client-address';
/** Names the service that served a read. */
export const SERVED_BY_HEADER = 'x-mcos-served-by';

export interface CloudFacts {
  backend: BackendKind;
  capacityTotalBytes?: number;
  capacityUsedBytes?: number;
  /** MB/s of a probe write / read at registration. */
  writeMBps?: number;
  readMBps?: number;
}

export interface RegisterServiceRequest extends CloudFacts {
  name: string;
  url: string;
  region: string;
  /** Configured weight; absent means "derive from capacity". */
  weight?: number;
  /**
   * PEM (SPKI) of the agent's own Ed25519 identity key. The registration's
   * assertion must be signed by it; a known name keeps the key it first
   * registered with until an admin re-admits it. Required by the controller
   * (optional here only for DTOs that predate it).
   */
  publicKey?: string;
}

export interface RegisterServiceResponse {
  /** The current map, signed: the agent pins its last mapKeys link. */
  clusterMap: ClusterMap;
}

/** Background-work counters an agent reports on every poll. */
export interface BackgroundProgress {
  scanned: number;
  pushed: number;
  moved: number;
  deleted: number;
  corrupt: number;
  failures: number;
  /** Age in ms of the oldest write not yet on all its primaries (0 = none). */
  oldestUnreplicatedMs: number;
  /** Objects still to migrate per option after the last ring change. */
  remainingByOption: Record<string, number>;
  /** ms since epoch of the last full pass, if any. */
  lastPassAt?: number;
}

export interface AgentHealth {
  name: string;
  /** Version of the cluster map the agent holds (0 = none). */
  clusterMapVersion: number;
  /** Ring version per option that the agent holds. */
  ringVersions: Record<string, number>;
  capacityTotalBytes?: number;
  capacityUsedBytes?: number;
  /** Round-trip time in ms to each peer, by service name. */
  distancesMs: Record<string, number>;
  /** What the agent's own backend holds, per option (live objects only). */
  indexByOption: Record<string, { objects: number; bytes: number }>;
  /** Containers whose record this agent holds, per option. */
  containersByOption: Record<string, number>;
  progress: BackgroundProgress;
}

export interface PushClusterMapResponse {
  /** False when the agent already held this version or a newer one. */
  accepted: boolean;
  /** The version the agent holds after the push. */
  version: number;
}
