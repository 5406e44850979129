import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { PeerClient } from '../peers/peer-client';
import { PeerHealth } from '../peers/peer-health';
import { LocalReplicaTarget } from '../replicas/local-replica.target';
import { PeerReplicaTarget } from '../replicas/peer-replica.target';
import type { ReplicaTarget } from '../replicas/replica-target';

/**
 * Turns service names into replica targets: this agent's own backend, or a
 * peer at the URL the cluster map gives. It also knows which services can
 * take traffic now (ACTIVE in the map and not failing recently).
 */
export class ReplicaTargets {
  constructor(
    private readonly self: string,
    private readonly local: LocalReplicaTarget,
    private readonly client: PeerClient,
    private readonly map: ClusterMapService,
    readonly health: PeerHealth,
    /** How recent a successful probe must be to use a peer the map calls DISCONNECTED. */
    private readonly recentMs: number,
  ) {}

  get selfName(): string {
    return this.self;
  }

  get(service: string): ReplicaTarget {
    if (service === this.self) return this.local;
    return new PeerReplicaTarget(this.peer(service), this.client);
  }

  /** A peer's address from the map. */
  peer(service: string): { name: string; url: string } {
    const info = this.map.service(service);
    if (!info) throw new Error(`service ${service} is not in the cluster map`);
    return { name: info.name, url: info.url };
  }

  /**
   * Can take reads and writes now, as far as this agent knows: ACTIVE in the
   * map and not failing lately, or DISCONNECTED in the map but answering this
   * agent's own probes (agents heal each other while the controller is away).
   */
  usable(service: string): boolean {
    if (service === this.self) return true;
    const info = this.map.service(service);
    if (!info || this.health.isDown(service)) return false;
    return info.status === 'ACTIVE' || (info.status === 'DISCONNECTED' && this.health.seenWithin(service, this.recentMs));
  }

  /** Services sorted for reading: this agent first, then by measured distance, unusable ones last. */
  byDistance(services: string[]): string[] {
    const rank = (s: string) => (s === this.self ? -1 : this.usable(s) ? this.health.distance(s) : Number.MAX_VALUE);
    return [...services].sort((a, b) => rank(a) - rank(b));
  }

  /** Every service that may hold data: ACTIVE or only briefly away (not SHUTOFF / REMOVED). */
  members(): string[] {
    return this.map
      .services()
      .filter((s) => s.status === 'ACTIVE' || s.status === 'DISCONNECTED' || s.name === this.self)
      .map((s) => s.name);
  }

  /** Records the outcome of a call so failing peers are skipped for a while. */
  observe(service: string, ok: boolean): void {
    if (service === this.self) return;
    if (ok) this.health.recordSuccess(service);
    else this.health.recordFailure(service);
  }
}
