/**
 * The cluster map: everything an agent needs to serve without the controller.
 * The controller owns it and bumps `version` on every change (services,
 * statuses, options, rings, token key); agents keep the newest they have seen
 * and never replace it with an older one.
 */

export type ServiceStatus = 'ACTIVE' | 'DISCONNECTED' | 'SHUTOFF' | 'REMOVED';

export type BackendKind = 'fs' | 's3' | 'swift' | 'azure';

/** One cloud service (a backend plus its agent) as the cluster sees it. */
export interface ServiceInfo {
  /** Unique, stable name; also the ring's service id. */
  name: string;
  /** Base URL of the agent, e.g. http://127.0.0.1:7001 */
  url: string;
  /** Failure domain, e.g. aws-eu-west-1. */
  region: string;
  /** Ring weight actually used (configured, or derived from capacity). */
  weight: number;
  status: ServiceStatus;
  backend: BackendKind;
}

/** A storage option (policy). W + Rq > R gives read-your-writes. */
export interface StorageOption {
  name: string;
  /** Replicas R. */
  replicas: number;
  /** Write quorum W (1..R). */
  writeQuorum: number;
  /** Read quorum Rq (1..R). */
  readQuorum: number;
  /** Eligible regions / services; empty or absent means all. */
  placement?: { regions?: string[]; services?: string[] };
}

/** One ring as carried in the map: the binary ring of @mcos/ring, base64. */
export interface RingEntry {
  option: string;
  version: number;
  checksum: string;
  /** base64 of the serialised ring (see @mcos/ring). */
  data: string;
}

export interface ClusterMap {
  /** Monotonically increasing; never reused. */
  version: number;
  /** ms since epoch when this version was made. */
  createdAt: number;
  services: ServiceInfo[];
  options: StorageOption[];
  /** Current ring of each option that has one. */
  rings: RingEntry[];
  /**
   * The ring each option had before its current one, kept while data
   * migrates so that reads can still find objects at their old holders.
   */
  previousRings: RingEntry[];
  /** PEM (SPKI) of the Ed25519 key that signs user tokens. */
  tokenPublicKey: string;
}
