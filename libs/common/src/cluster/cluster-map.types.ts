/**
 * The cluster map: everything an agent needs to serve without the controller.
 * The controller owns it, bumps `version` on every change (services,
 * statuses, options, rings, keys, users) and signs every version; agents
 * verify the signature against the key they pinned at their first join
 * before they use a map, keep the newest they have seen and never replace
 * it with an older one.
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
  /**
   * PEM (SPKI) of the agent's own Ed25519 identity key: peers verify its
   * service assertions with it. Absent for a service that registered without
   * one (it cannot authenticate to anyone).
   */
  publicKey?: string;
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
  /** PEM (SPKI) of the Ed25519 key that signs new user tokens (the last of tokenKeys). */
  tokenPublicKey: string;
  /**
   * Every key whose tokens may still be valid, by key id (`kid` in the token
   * header): the current one and retired ones until their tokens expire.
   */
  tokenKeys?: TokenKeyEntry[];
  /**
   * Every existing user with the lowest token generation still accepted
   * (`gen` claim). A token whose user is missing here, or whose generation
   * is lower, is refused: deleting a user or resetting a password revokes
   * their tokens at every agent with the next map.
   */
  users?: Record<string, number>;
  /**
   * Bumped whenever an S3 access key is made or revoked: an agent refetches
   * its (sealed) key set when this differs from the set it holds.
   */
  accessKeysVersion?: number;
  /**
   * The controller's signing keys, oldest first: each link after the first
   * is endorsed by the one before it, the last one signs this map (and the
   * controller's service assertions). See @mcos/common verifyClusterMap.
   */
  mapKeys?: MapKeyLink[];
  /** Ed25519 signature of the last mapKeys link over the map (see clusterMapSigningBytes). */
  signature?: ClusterMapSignature;
}

export interface TokenKeyEntry {
  kid: string;
  /** PEM (SPKI). */
  publicKey: string;
}

export interface MapKeyLink {
  /** keyIdOf(publicKey). */
  keyId: string;
  /** PEM (SPKI) of an Ed25519 key. */
  publicKey: string;
  /** base64url signature, by the previous link's key, over mapKeyEndorsementBytes(this link); absent on the first link. */
  endorsement?: string;
}

export interface ClusterMapSignature {
  /** Id of the signing key (the last mapKeys link). */
  keyId: string;
  /** base64url Ed25519 signature. */
  value: string;
}
