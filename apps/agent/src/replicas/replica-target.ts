import type { Readable } from 'node:stream';
import type { IndexEntry, ListPage } from '../index/index-entry';
import type { ByteRange, OutgoingVersion, ReplicaRead, ReplicaVersion, ReplicaWriteResult } from '../storage/replica-version';

/**
 * One service seen as a holder of replicas: this agent's own backend and
 * index (LocalReplicaTarget) or a peer through the peer API
 * (PeerReplicaTarget). The data path talks to both the same way.
 * Errors: PeerUnavailableError / BackendUnavailableError when it cannot
 * answer; absent keys are `undefined`, not errors.
 */
export interface ReplicaTarget {
  readonly service: string;
  readonly isLocal: boolean;
  /**
   * Stores `version` unless the target holds this version or a newer one (then drains the body).
   * `knownMd5`: the MD5 of `body`'s bytes as the caller computes it on the way; a local target
   * records it instead of hashing the bytes again, a peer ignores it (it hashes what arrives:
   * that is the check of the transfer).
   */
  write(key: string, version: OutgoingVersion, body: Readable, knownMd5?: PromiseLike<string>): Promise<ReplicaWriteResult>;
  stat(key: string): Promise<ReplicaVersion | undefined>;
  /** @throws InvalidRangeError (code INVALID_RANGE) when the range cannot be served. */
  read(key: string, range?: ByteRange): Promise<ReplicaRead | undefined>;
  /** Drops exactly this version; false when the target holds another (or none). */
  drop(key: string, timestamp: string): Promise<boolean>;
  /** One page of the index entries of a container's objects, in name order, tombstones included. */
  listObjects(account: string, container: string, page: ListPage): Promise<IndexEntry[]>;
  /** One page of the index entries of an account's container records, in name order, tombstones included. */
  listContainers(account: string, page: ListPage): Promise<IndexEntry[]>;
}
