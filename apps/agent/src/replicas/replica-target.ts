import type { Readable } from 'node:stream';
import type { OutgoingVersion } from '../peers/peer-client';
import type { ByteRange, ReplicaVersion, ReplicaWriteResult } from './replica.types';

export interface ReplicaRead {
  version: ReplicaVersion;
  body: Readable;
  /** Set when a range was served: `bytes start-end/total`. */
  contentRange?: string;
}

/**
 * One service seen as a holder of replicas: this agent's own backend or a
 * peer through the peer API. The data path talks to both the same way.
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
  read(key: string, range?: ByteRange): Promise<ReplicaRead | undefined>;
  /** Drops exactly this version; false when the target holds another (or none). */
  drop(key: string, timestamp: string): Promise<boolean>;
}
