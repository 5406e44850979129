/**
 * What the controller and the agents say to each other over HTTP.
 *
 * Agent -> controller
 *   POST /v1/services/register        header X-MCOS-Join-Token (and, to
 *                                     re-register a known name, X-MCOS-Cluster-Credential)
 *                                     body RegisterServiceRequest -> RegisterServiceResponse
 *   POST /v1/services/{name}/deregister  credential -> 204 (status SHUTOFF)
 *   GET  /v1/cluster-map              credential -> ClusterMap
 *   POST /v1/auth/login               public (agents forward user logins)
 *
 * Controller -> agent (credential required)
 *   GET  /v1/agent/health             -> AgentHealth
 *   PUT  /v1/agent/cluster-map        body ClusterMap -> PushClusterMapResponse
 */
import type { BackendKind, ClusterMap } from './cluster-map.types';

export const JOIN_TOKEN_HEADER = 'x-mcos-join-token';
export const CLUSTER_CREDENTIAL_HEADER = 'x-mcos-cluster-credential';
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
}

export interface RegisterServiceResponse {
  /** Shared secret for peer and controller<->agent calls. */
  clusterCredential: string;
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
