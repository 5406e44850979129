import type { Readable } from 'node:stream';
import { InvalidRangeError } from '@mcos/backends';
import type { IndexEntry, ListPage } from '../index/index-entry';
import type { PeerClient, PeerRef } from '../peers/peer-client';
import { PeerRejectedError } from '../peers/peer.errors';
import type { ByteRange, OutgoingVersion, ReplicaRead, ReplicaVersion, ReplicaWriteResult } from '../storage/replica-version';
import type { ReplicaTarget } from './replica-target';

/** A peer agent as a replica holder, through the peer API. */
export class PeerReplicaTarget implements ReplicaTarget {
  readonly isLocal = false;

  constructor(
    private readonly peer: PeerRef,
    private readonly client: PeerClient,
  ) {}

  get service(): string {
    return this.peer.name;
  }

  write(key: string, version: OutgoingVersion, body: Readable): Promise<ReplicaWriteResult> {
    return this.client.putReplica(this.peer, key, version, body);
  }

  stat(key: string): Promise<ReplicaVersion | undefined> {
    return this.client.statReplica(this.peer, key);
  }

  /** @throws InvalidRangeError when the peer cannot serve the range (its 416), as a local backend would. */
  async read(key: string, range?: ByteRange): Promise<ReplicaRead | undefined> {
    try {
      return await this.client.getReplica(this.peer, key, range);
    } catch (err) {
      if (err instanceof PeerRejectedError && err.status === 416) throw new InvalidRangeError(err.message, { cause: err });
      throw err;
    }
  }

  drop(key: string, timestamp: string): Promise<boolean> {
    return this.client.deleteReplica(this.peer, key, timestamp);
  }

  listObjects(account: string, container: string, page: ListPage): Promise<IndexEntry[]> {
    const kind = page.kind === 'upload' || page.kind === 'part' ? { kind: page.kind } : {};
    return this.client.listObjects(this.peer, { account, container, prefix: page.prefix, marker: page.marker, limit: page.limit, ...kind });
  }

  listContainers(account: string, page: ListPage): Promise<IndexEntry[]> {
    return this.client.listContainers(this.peer, { account, prefix: page.prefix, marker: page.marker, limit: page.limit });
  }
}
