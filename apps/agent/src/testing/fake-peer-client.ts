import type { Readable } from 'node:stream';
import type { ClusterMap } from '@mcos/common';
import type { IndexEntry } from '../index/index-entry';
import type { ObjectIndexRepository } from '../index/object-index.repository';
import type { HeldVersion, IndexListQuery, PeerClient, PeerRef } from '../peers/peer-client';
import { PeerRejectedError, PeerUnavailableError } from '../peers/peer.errors';
import type { LocalReplicaTarget } from '../replicas/local-replica.target';
import type { ByteRange, OutgoingVersion, ReplicaRead, ReplicaVersion, ReplicaWriteResult } from '../storage/replica-version';
import type { PublicOf } from './typed-fakes';

/** What a peer holds: its own replica target and index (a TestNode is one). */
export interface FakePeer {
  name: string;
  local: LocalReplicaTarget;
  index: ObjectIndexRepository;
}

/** How a peer misbehaves. */
export interface PeerFaults {
  /** Every call fails as an unreachable peer's would (PeerUnavailableError). */
  down?: boolean;
  /** Replica writes fail once the first chunk of the body arrived: a peer dying mid-write. */
  failWrites?: boolean;
  /** Replica writes wait for this before storing anything: a slow peer the spec releases. */
  gate?: Promise<void>;
  /** Version lookups and drops fail (the replicator cannot get a confirmation). */
  failVersions?: boolean;
}

export type PeerCall = { peer: string; op: keyof PublicOf<PeerClient>; key?: string };

/**
 * PeerClient without HTTP: each call goes to the named peer's own
 * LocalReplicaTarget and index in this process, with the peer API's rules
 * (a peer hashes what it receives; a pushed replica whose known MD5 differs is
 * dropped and refused). Faults are set per peer; every call is recorded.
 */
export class FakePeerClient implements PublicOf<PeerClient> {
  private readonly peers = new Map<string, FakePeer>();
  private readonly faults = new Map<string, PeerFaults>();
  readonly calls: PeerCall[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  add(peer: FakePeer): void {
    this.peers.set(peer.name, peer);
  }

  /** Replaces the faults of one peer (`{}` heals it). */
  setFaults(peer: string, faults: PeerFaults): void {
    this.faults.set(peer, faults);
  }

  /** Resolves once no call is running: what a failed quorum left in the background has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** How many calls are running now. */
  get busy(): number {
    return this.inFlight.size;
  }

  callsTo(peer: string, op?: PeerCall['op']): PeerCall[] {
    return this.calls.filter((c) => c.peer === peer && (!op || c.op === op));
  }

  putReplica(peer: PeerRef, key: string, version: OutgoingVersion, body: Readable): Promise<ReplicaWriteResult> {
    return this.track(() => this.put(peer, key, version, body));
  }

  private async put(peer: PeerRef, key: string, version: OutgoingVersion, body: Readable): Promise<ReplicaWriteResult> {
    const target = this.reach(peer, 'putReplica', key);
    if (this.faults.get(peer.name)?.failWrites) {
      for await (const _chunk of body) break; // the first bytes arrive, then the peer dies
      body.destroy();
      throw new PeerUnavailableError(peer.name, 'connection reset during the body');
    }
    await this.faults.get(peer.name)?.gate;
    const result = await target.local.write(key, version, body);
    if (result.applied && version.etag && !version.deleted && version.etag !== result.held.etag) {
      await target.local.drop(key, result.held.timestamp);
      throw new PeerRejectedError(peer.name, 409, `replica of ${key} arrived with MD5 ${result.held.etag}, expected ${version.etag}`);
    }
    return result;
  }

  statReplica(peer: PeerRef, key: string): Promise<ReplicaVersion | undefined> {
    return this.track(async () => this.reach(peer, 'statReplica', key).local.stat(key));
  }

  getReplica(peer: PeerRef, key: string, range?: ByteRange): Promise<ReplicaRead | undefined> {
    return this.track(async () => this.reach(peer, 'getReplica', key).local.read(key, range));
  }

  deleteReplica(peer: PeerRef, key: string, timestamp: string): Promise<boolean> {
    return this.track(async () => {
      const target = this.reach(peer, 'deleteReplica', key);
      if (this.faults.get(peer.name)?.failVersions) throw new PeerUnavailableError(peer.name, 'timed out');
      return target.local.drop(key, timestamp);
    });
  }

  async versions(peer: PeerRef, keys: string[]): Promise<Record<string, HeldVersion | null>> {
    const target = this.reach(peer, 'versions');
    if (this.faults.get(peer.name)?.failVersions) throw new PeerUnavailableError(peer.name, 'timed out');
    const out: Record<string, HeldVersion | null> = {};
    for (const key of keys) {
      const e = target.index.get(key);
      out[key] = e ? { timestamp: e.timestamp, deleted: e.deleted, etag: e.etag } : null;
    }
    return out;
  }

  async listObjects(peer: PeerRef, q: IndexListQuery): Promise<IndexEntry[]> {
    return this.reach(peer, 'listObjects').index.listObjects(q.account, q.container ?? '', q);
  }

  async listContainers(peer: PeerRef, q: IndexListQuery): Promise<IndexEntry[]> {
    return this.reach(peer, 'listContainers').index.listContainers(q.account, q);
  }

  async ping(peer: PeerRef): Promise<{ rttMs: number; clusterMapVersion: number }> {
    this.reach(peer, 'ping');
    return { rttMs: 1, clusterMapVersion: 0 };
  }

  async clusterMap(peer: PeerRef): Promise<ClusterMap> {
    this.reach(peer, 'clusterMap');
    throw new PeerRejectedError(peer.name, 404, 'the fake peers serve no cluster map');
  }

  close(): void {}

  private track<T>(call: () => Promise<T>): Promise<T> {
    const p = call();
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  private reach(peer: PeerRef, op: PeerCall['op'], key?: string): FakePeer {
    this.calls.push({ peer: peer.name, op, key });
    const target = this.peers.get(peer.name);
    if (!target || this.faults.get(peer.name)?.down) throw new PeerUnavailableError(peer.name, 'connect ECONNREFUSED');
    return target;
  }
}
