import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ObjectBackend } from '@mcos/backends';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { AgentIdentity } from '../config/agent-identity';
import type { IndexEntry } from '../index/index-entry';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { PlacementService } from '../placement/placement.service';
import { LocalReplicaTarget } from '../replicas/local-replica.target';
import { TargetRegistry } from '../replicas/target-registry';
import { versionFromInfo } from '../storage/stored-version';
import { BackgroundProgressTracker } from './progress';
import { RateLimiter } from './rate-limiter';

/** DI token of the AuditorSettings. */
export const AUDITOR_SETTINGS = Symbol('AuditorSettings');

export interface AuditorSettings {
  /** Read rate of the auditor. */
  bytesPerSecond: number;
}

/** DI token of the AuditorPacer; not provided in the agent (a RateLimiter on the wall clock is used). */
export const AUDITOR_PACER = Symbol('AuditorPacer');

/** Makes the rate limiter of one pass (tests give one on a manual clock, to count what a pass reads without waiting). */
export type AuditorPacer = (bytesPerSecond: number) => Pick<RateLimiter, 'take'>;

/** Where a corrupt replica's bytes are kept for inspection; never listed or indexed. */
export const QUARANTINE_PREFIX = 'q/';

export interface AuditResult {
  audited: number;
  corrupt: number;
  repaired: number;
}

/**
 * Re-reads the replicas this agent holds at a bounded rate (bytes per
 * second), checks each one's MD5 against its stored ETag, and when they
 * differ quarantines the bad copy (kept under `q/<timestamp>/<key>`), removes
 * it, and restores the same or a newer version from a good replica on
 * another holder. A replica with no good copy anywhere stays quarantined and
 * is counted as a failure; the replicator of any holder with a good copy will
 * push it back later.
 */
@Injectable()
export class Auditor {
  private readonly logger = new Logger(Auditor.name);
  private readonly self: string;

  constructor(
    identity: AgentIdentity,
    private readonly backend: ObjectBackend,
    private readonly index: ObjectIndexRepository,
    private readonly local: LocalReplicaTarget,
    private readonly registry: TargetRegistry,
    private readonly map: ClusterMapService,
    private readonly placements: PlacementService,
    private readonly progress: BackgroundProgressTracker,
    @Inject(AUDITOR_SETTINGS) private readonly settings: AuditorSettings,
    @Optional() @Inject(AUDITOR_PACER) private readonly pacer: AuditorPacer = (bytesPerSecond) => new RateLimiter(bytesPerSecond),
  ) {
    this.self = identity.name;
  }

  async runPass(): Promise<AuditResult> {
    const result: AuditResult = { audited: 0, corrupt: 0, repaired: 0 };
    const limiter = this.pacer(this.settings.bytesPerSecond);
    let after = '';
    for (;;) {
      const batch = this.index.scan(after, 100);
      if (batch.length === 0) break;
      after = batch[batch.length - 1].key;
      for (const entry of batch) {
        // Parts of multipart uploads are replicas like any object (a manifest is one too: its ETag is its body's MD5).
        if (entry.deleted || (entry.kind !== 'object' && entry.kind !== 'part')) continue;
        await limiter.take(Math.max(entry.size, 1));
        const actual = await this.md5Of(entry);
        if (actual === undefined) continue;
        result.audited++;
        if (actual === entry.etag) continue;
        result.corrupt++;
        this.logger.error(`corrupt replica of ${entry.key}: MD5 ${actual}, stored ETag ${entry.etag}; quarantining and repairing`);
        if (await this.repair(entry)) result.repaired++;
      }
    }
    return result;
  }

  /** Quarantines the local copy of `entry` and restores it from another holder. */
  async repair(entry: IndexEntry): Promise<boolean> {
    this.progress.count('corrupt');
    const restored = await this.restore(entry);
    if (!restored) this.progress.count('failures');
    return restored;
  }

  private async restore(entry: IndexEntry): Promise<boolean> {
    await this.quarantine(entry);
    await this.local.drop(entry.key, entry.timestamp);
    const homes = this.placements.homesOf(entry) ?? [];
    const others = this.map.members().filter((s) => s !== this.self);
    for (const service of [...new Set([...homes, ...others])]) {
      if (service === this.self || !this.registry.usable(service)) continue;
      try {
        const got = await this.registry.get(service).read(entry.key);
        if (!got) continue;
        if (got.version.timestamp < entry.timestamp) {
          got.body.destroy();
          continue;
        }
        const written = await this.local.write(entry.key, got.version, got.body);
        if (written.held.etag !== got.version.etag) {
          await this.local.drop(entry.key, written.held.timestamp);
          continue;
        }
        this.logger.log(`restored ${entry.key} from ${service}`);
        return true;
      } catch (err) {
        this.logger.warn(`repair of ${entry.key} from ${service} failed: ${(err as Error).message}`);
      }
    }
    this.logger.error(`no good replica of ${entry.key} found; the quarantined copy is kept`);
    return false;
  }

  private async quarantine(entry: IndexEntry): Promise<void> {
    try {
      const got = await this.backend.get(entry.key);
      await this.backend.put(`${QUARANTINE_PREFIX}${entry.timestamp}/${entry.key}`, got.body, { contentType: got.info.contentType });
    } catch (err) {
      this.logger.warn(`could not keep a quarantine copy of ${entry.key}: ${(err as Error).message}`);
    }
  }

  private async md5Of(entry: IndexEntry): Promise<string | undefined> {
    let body: Readable;
    try {
      const got = await this.backend.get(entry.key);
      body = got.body;
      if (versionFromInfo(got.info).timestamp !== entry.timestamp) {
        body.destroy();
        return undefined; // overwritten meanwhile: audit the new version next pass
      }
    } catch {
      return undefined; // gone meanwhile (deleted, moved)
    }
    const hash = createHash('md5');
    for await (const chunk of body) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }
}
