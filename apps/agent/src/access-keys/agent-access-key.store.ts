import type { AccessKeySecret, Clock } from '@mcos/common';
import { type S3Credential, S3CredentialStore } from '../s3/auth/s3-credential-store';
import type { ClusterMapService } from '../cluster-map/cluster-map.service';

const MINUTE_MS = 60_000;
/** Most last-use entries waiting for the next report (one per key; the cluster has at most 10 per user). */
const MAX_PENDING_USES = 100_000;

/**
 * The S3 door's credential store at this agent: the opened key set in
 * memory (never on disk in clear), answered without any call to the
 * controller. A key is refused when its owner is missing from the held
 * (verified) cluster map or their token generation moved past the key's:
 * deleting a user or resetting their password revokes their keys here with
 * the next map, even while the key set itself cannot be refetched.
 *
 * Uses are noted per key, to the minute, at lookup (the door looks a key up
 * for every signed request) and handed to the next report.
 */
export class AgentAccessKeyStore extends S3CredentialStore {
  private keys = new Map<string, AccessKeySecret>();
  private heldVersion?: number;
  private readonly pendingUses = new Map<string, number>();

  constructor(
    private readonly map: Pick<ClusterMapService, 'current'>,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** The controller's accessKeysVersion of the held set; undefined before any. */
  get version(): number | undefined {
    return this.heldVersion;
  }

  get size(): number {
    return this.keys.size;
  }

  async lookup(accessKeyId: string): Promise<S3Credential | undefined> {
    const key = this.keys.get(accessKeyId);
    if (!key) return undefined;
    const generation = this.map.current?.users?.[key.owner];
    if (generation === undefined || generation > key.generation) return undefined;
    this.noteUse(accessKeyId);
    return { secret: key.secret, owner: key.owner };
  }

  /**
   * Replaces the held set with a newer one; an older set than the held one
   * is refused (false), so a late answer never brings a revoked key back.
   */
  install(version: number, keys: AccessKeySecret[]): boolean {
    if (this.heldVersion !== undefined && version < this.heldVersion) return false;
    this.keys = new Map(keys.map((k) => [k.accessKeyId, k]));
    this.heldVersion = version;
    for (const id of this.pendingUses.keys()) if (!this.keys.has(id)) this.pendingUses.delete(id);
    return true;
  }

  /** The uses not yet reported (at most `max`); pass them to `reported` once the controller took them. */
  pendingReport(max: number): Record<string, number> {
    const out: Record<string, number> = {};
    let n = 0;
    for (const [id, at] of this.pendingUses) {
      if (n++ >= max) break;
      out[id] = at;
    }
    return out;
  }

  /** Forgets reported uses, unless a later minute was noted meanwhile. */
  reported(report: Record<string, number>): void {
    for (const [id, at] of Object.entries(report)) if (this.pendingUses.get(id) === at) this.pendingUses.delete(id);
  }

  private noteUse(accessKeyId: string): void {
    const minute = Math.floor(this.clock.now() / MINUTE_MS) * MINUTE_MS;
    if (this.pendingUses.get(accessKeyId) === minute) return;
    if (this.pendingUses.size >= MAX_PENDING_USES && !this.pendingUses.has(accessKeyId)) return;
    this.pendingUses.set(accessKeyId, minute);
  }
}
