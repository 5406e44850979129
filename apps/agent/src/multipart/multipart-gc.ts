import { Inject, Injectable, Logger } from '@nestjs/common';
import { HybridClock } from '../clock/hybrid-clock';
import { parseTimestamp } from '../clock/timestamp';
import { AgentIdentity } from '../config/agent-identity';
import type { IndexEntry } from '../index/index-entry';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { PlacementService } from '../placement/placement.service';
import { ReplicatedStore } from '../replicas/replicated-store';
import { TargetRegistry } from '../replicas/target-registry';
import { EMPTY_MD5, emptyBody } from '../storage/empty-body';
import { decodeManifest, type MultipartManifest } from '../storage/multipart-manifest';
import { objectKey, parseKey } from '../storage/object-key';
import { MULTIPART_SETTINGS, type MultipartSettings } from './multipart-settings';
import { UploadRecords } from './upload-records';

export interface GcResult {
  scanned: number;
  removed: number;
  kept: number;
  failures: number;
}

export interface ExpiryResult {
  scanned: number;
  aborted: number;
  failures: number;
}

const BATCH = 100;
const PARTS = 'p/';


/**
 * The background passes of multipart uploads, over this agent's own index:
 *
 * - GC: a part no open upload and no live manifest references is removed (a
 *   tombstone written on its homes, reclaimed later by the replicator like
 *   any tombstone) once the upload ended more than gcGraceMs ago (or, with
 *   no record at all, the part is older than that). The grace is what keeps
 *   a Complete in flight safe (see MultipartService.complete). Overwritten,
 *   deleted and aborted objects' parts all leave this way.
 * - Expiry: an upload open longer than abandonAfterMs is ended (aborted);
 *   the GC then takes its parts.
 *
 * Every holder of a replica could decide; only the first usable home (or a
 * holder that is no home, e.g. a handoff) does, so one pass writes one
 * tombstone per part, and a home that is down does not stop the others.
 */
@Injectable()
export class MultipartGc {
  private readonly logger = new Logger(MultipartGc.name);
  /** Where the next GC pass goes on (exclusive): the walk of the parts spans passes. */
  private gcCursor = PARTS;

  constructor(
    private readonly identity: AgentIdentity,
    private readonly index: ObjectIndexRepository,
    private readonly placements: PlacementService,
    private readonly registry: TargetRegistry,
    private readonly store: ReplicatedStore,
    private readonly uploads: UploadRecords,
    private readonly clock: HybridClock,
    @Inject(MULTIPART_SETTINGS) private readonly settings: MultipartSettings,
  ) {}

  async runGcPass(): Promise<GcResult> {
    const result: GcResult = { scanned: 0, removed: 0, kept: 0, failures: 0 };
    const now = this.nowMs();
    // One manifest read per object per pass, however many of its parts this agent holds.
    const manifests = new Map<string, Promise<MultipartManifest | undefined>>();
    // Each pass checks at most gcPartsPerPass parts (each check is a few quorum reads) and the
    // next one goes on from there: the parts of completed objects stay for good, and checking
    // all of them every pass would cost the cluster in proportion to everything it stores.
    let finished = true;
    let last = this.gcCursor;
    for (const entry of this.walk(PARTS, this.gcCursor)) {
      if (result.scanned >= this.settings.gcPartsPerPass) {
        this.gcCursor = last;
        finished = false;
        break;
      }
      last = entry.key;
      if (entry.deleted || !this.decides(entry)) continue;
      result.scanned++;
      try {
        if (await this.referenced(entry, now, manifests)) {
          result.kept++;
          continue;
        }
        const placement = this.placements.forObject(entry.account, entry.container, entry.name, entry.option);
        const tombstone = { timestamp: this.clock.now(), deleted: true, option: entry.option, size: 0, etag: EMPTY_MD5, userMeta: {} };
        await this.store.write(entry.key, tombstone, emptyBody(), placement.write);
        result.removed++;
      } catch (err) {
        result.failures++;
        this.logger.warn(`multipart GC of ${entry.key} failed: ${(err as Error).message}`);
      }
    }
    if (finished) this.gcCursor = PARTS;
    return result;
  }

  async runExpiryPass(): Promise<ExpiryResult> {
    const result: ExpiryResult = { scanned: 0, aborted: 0, failures: 0 };
    const now = this.nowMs();
    for (const entry of this.walk('u/')) {
      if (entry.deleted || !this.decides(entry)) continue;
      result.scanned++;
      if (now - parseTimestamp(entry.timestamp).ms <= this.settings.abandonAfterMs) continue;
      const parsed = parseKey(entry.key);
      if (parsed?.kind !== 'upload') continue;
      try {
        const address = { account: parsed.account, container: parsed.container, name: parsed.object, uploadId: parsed.uploadId };
        const newest = await this.uploads.newest(address, entry.option);
        if (!newest || newest.deleted || newest.timestamp !== entry.timestamp) continue;
        await this.uploads.end(address, entry.option);
        result.aborted++;
        this.logger.log(`upload ${parsed.uploadId} of ${parsed.object} was open longer than the limit: aborted`);
      } catch (err) {
        result.failures++;
        this.logger.warn(`expiry of ${entry.key} failed: ${(err as Error).message}`);
      }
    }
    return result;
  }

  /** Whether the part must stay: too young, its upload open or recently ended, or a live manifest names this version. */
  private async referenced(entry: IndexEntry, now: number, manifests: Map<string, Promise<MultipartManifest | undefined>>): Promise<boolean> {
    const parsed = parseKey(entry.key);
    if (parsed?.kind !== 'part') return true;
    const grace = this.settings.gcGraceMs;
    if (now - parseTimestamp(entry.timestamp).ms <= grace) return true;
    const upload = { account: parsed.account, container: parsed.container, name: parsed.object, uploadId: parsed.uploadId };
    const record = await this.uploads.newest(upload, entry.option);
    if (record && (!record.deleted || now - parseTimestamp(record.timestamp).ms <= grace)) return true;
    const objKey = objectKey(upload);
    if (!manifests.has(objKey)) manifests.set(objKey, this.manifestOf(upload, entry.option));
    const manifest = await manifests.get(objKey)!;
    return manifest?.uploadId === parsed.uploadId && manifest.parts.some((p) => p.partNumber === parsed.partNumber && p.timestamp === entry.timestamp);
  }

  /** The object's newest version's manifest; undefined when it is no multipart object (or gone). Throws when it cannot be known. */
  private async manifestOf(address: { account: string; container: string; name: string }, option: string): Promise<MultipartManifest | undefined> {
    const plan = this.placements.forObject(address.account, address.container, address.name, option).read;
    const got = await this.store.read(objectKey(address), plan);
    if (!got) return undefined;
    if (got.version.deleted || !got.version.multipart) {
      got.body.destroy();
      return undefined;
    }
    const chunks: Buffer[] = [];
    for await (const c of got.body) chunks.push(c as Buffer);
    // A manifest that does not parse must not free parts: keep them (throw), the auditor repairs the replica.
    return decodeManifest(Buffer.concat(chunks));
  }

  /** This agent decides for a key when it is its first usable home, or holds it without being a home. */
  private decides(entry: IndexEntry): boolean {
    const homes = this.placements.homesOf(entry);
    if (!homes) return false;
    const self = this.identity.name;
    if (!homes.includes(self)) return true;
    return homes.find((s) => s === self || this.registry.usable(s)) === self;
  }

  /** The local index's entries whose keys start with `prefix`, in key order after `from`, a batch at a time. */
  private *walk(prefix: string, from = prefix): Generator<IndexEntry> {
    let after = from;
    for (;;) {
      const batch = this.index.scan(after, BATCH);
      for (const e of batch) {
        if (!e.key.startsWith(prefix)) return;
        yield e;
      }
      if (batch.length < BATCH) return;
      after = batch[batch.length - 1].key;
    }
  }

  private nowMs(): number {
    return parseTimestamp(this.clock.now()).ms;
  }
}
