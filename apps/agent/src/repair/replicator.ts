import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '@mcos/common';
import { parseTimestamp } from '../clock/timestamp';
import { AgentIdentity } from '../config/agent-identity';
import type { IndexEntry } from '../index/index-entry';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { type HeldVersion, PeerClient } from '../peers/peer-client';
import { PeerRejectedError } from '../peers/peer.errors';
import { PlacementService } from '../placement/placement.service';
import { LocalReplicaTarget } from '../replicas/local-replica.target';
import { TargetRegistry } from '../replicas/target-registry';
import { BackgroundProgressTracker } from './progress';
import { RateLimiter } from './rate-limiter';

/** DI token of the ReplicatorSettings. */
export const REPLICATOR_SETTINGS = Symbol('ReplicatorSettings');

export interface ReplicatorSettings {
  /** Entries looked at per second, at most. */
  objectsPerSecond: number;
  /** Entries per batch (one version lookup per peer and batch). */
  batchSize: number;
  /** Tombstones older than this are reclaimed once every home holds them. */
  tombstoneRetentionMs: number;
}

export interface PassResult {
  scanned: number;
  pushed: number;
  moved: number;
  reclaimed: number;
  failures: number;
  /** Entries not yet on all their homes, per option (container records under "containers"). */
  remainingByOption: Record<string, number>;
}

/**
 * Makes every replica this agent holds reach all of its homes, then drops
 * the copies that do not belong here. One pass walks the local index in key
 * order at a bounded rate; for each batch it asks every home peer, in one
 * call, which versions it holds, pushes what is missing or older (tombstones
 * too), and deletes a local copy only when this agent is not a home and every
 * home confirmed a version at least as new. The same walk moves handoff
 * copies home, migrates partitions after a ring change, brings a W < R write
 * to R replicas, and reclaims tombstones after the retention period.
 */
@Injectable()
export class Replicator {
  private readonly logger = new Logger(Replicator.name);
  private readonly self: string;
  private readonly now: () => number;

  constructor(
    identity: AgentIdentity,
    private readonly index: ObjectIndexRepository,
    private readonly local: LocalReplicaTarget,
    private readonly peers: PeerClient,
    private readonly registry: TargetRegistry,
    private readonly placements: PlacementService,
    private readonly progress: BackgroundProgressTracker,
    @Inject(REPLICATOR_SETTINGS) private readonly settings: ReplicatorSettings,
    clock: Clock,
  ) {
    this.self = identity.name;
    this.now = () => clock.now();
  }

  async runPass(): Promise<PassResult> {
    const result: PassResult = { scanned: 0, pushed: 0, moved: 0, reclaimed: 0, failures: 0, remainingByOption: {} };
    const limiter = new RateLimiter(this.settings.objectsPerSecond, this.now);
    let oldest = 0;
    let after = '';
    for (;;) {
      const batch = this.index.scan(after, this.settings.batchSize);
      if (batch.length === 0) break;
      after = batch[batch.length - 1].key;
      await limiter.take(batch.length);
      const homes = new Map<string, string[]>();
      for (const e of batch) {
        const h = this.placements.homesOf(e);
        if (h) homes.set(e.key, h);
      }
      const held = await this.lookup(batch, homes);
      for (const entry of batch) {
        result.scanned++;
        const entryHomes = homes.get(entry.key);
        if (!entryHomes) continue;
        const settled = await this.settle(entry, entryHomes, held, result);
        if (!settled) {
          const bucket = entry.kind === 'container' ? 'containers' : entry.option;
          result.remainingByOption[bucket] = (result.remainingByOption[bucket] ?? 0) + 1;
          oldest = Math.max(oldest, this.now() - parseTimestamp(entry.timestamp).ms);
        }
      }
    }
    this.progress.count('scanned', result.scanned);
    this.progress.count('pushed', result.pushed);
    this.progress.count('moved', result.moved);
    this.progress.count('deleted', result.reclaimed);
    this.progress.count('failures', result.failures);
    this.progress.passDone(result.remainingByOption, oldest, this.now());
    return result;
  }

  /** Brings one entry to its homes; true when every home holds it (or newer). */
  private async settle(entry: IndexEntry, homes: string[], held: Map<string, Map<string, HeldVersion | null>>, result: PassResult): Promise<boolean> {
    let everywhere = true;
    for (const home of homes) {
      if (home === this.self) continue;
      const answers = held.get(home);
      if (!answers) {
        everywhere = false; // home unreachable: try again next pass
        continue;
      }
      const theirs = answers.get(entry.key);
      if (theirs && theirs.timestamp >= entry.timestamp) continue;
      // A tombstone past its retention that a home holds nothing for: that home reclaimed it
      // already. Pushing it back would bounce it between the homes, each one reclaiming it
      // and getting it back from the other, so backends would never be free of it.
      if (!theirs && entry.deleted && this.expired(entry)) continue;
      if (await this.push(entry, home)) result.pushed++;
      else {
        result.failures++;
        everywhere = false;
      }
    }
    if (!everywhere) return false;
    if (!homes.includes(this.self)) {
      // Every home confirmed this version or a newer one: this copy is surplus.
      if (await this.local.drop(entry.key, entry.timestamp)) result.moved++;
    } else if (entry.deleted && this.expired(entry)) {
      if (await this.local.drop(entry.key, entry.timestamp)) result.reclaimed++;
    }
    return true;
  }

  private expired(entry: IndexEntry): boolean {
    return this.now() - parseTimestamp(entry.timestamp).ms > this.settings.tombstoneRetentionMs;
  }

  /** One version lookup per reachable home peer for the whole batch. */
  private async lookup(batch: IndexEntry[], homes: Map<string, string[]>): Promise<Map<string, Map<string, HeldVersion | null>>> {
    const keysByPeer = new Map<string, string[]>();
    for (const e of batch) {
      for (const home of homes.get(e.key) ?? []) {
        if (home === this.self || !this.registry.usable(home)) continue;
        const keys = keysByPeer.get(home) ?? [];
        keys.push(e.key);
        keysByPeer.set(home, keys);
      }
    }
    const out = new Map<string, Map<string, HeldVersion | null>>();
    await Promise.all(
      [...keysByPeer].map(async ([peer, keys]) => {
        try {
          const info = this.registry.peer(peer);
          const answer = await this.peers.versions(info, keys);
          out.set(peer, new Map(Object.entries(answer)));
          this.registry.observe(peer, true);
        } catch (err) {
          this.registry.observe(peer, false);
          this.logger.warn(`replicator: ${peer} did not answer a version lookup: ${(err as Error).message}`);
        }
      }),
    );
    return out;
  }

  private async push(entry: IndexEntry, home: string): Promise<boolean> {
    try {
      const got = await this.local.read(entry.key);
      if (!got) return false;
      if (got.version.timestamp !== entry.timestamp) {
        got.body.destroy();
        return false; // changed under us; the next pass sees the new version
      }
      await this.peers.putReplica(this.registry.peer(home), entry.key, got.version, got.body);
      return true;
    } catch (err) {
      // 412: the home already holds a newer version (see the peer door); it is healthy and needs nothing.
      if (err instanceof PeerRejectedError && err.status === 412) return false;
      this.registry.observe(home, false);
      this.logger.warn(`replicator: push of ${entry.key} to ${home} failed: ${(err as Error).message}`);
      return false;
    }
  }
}
