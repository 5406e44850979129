import { Inject, Injectable } from '@nestjs/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { AgentIdentity } from '../config/agent-identity';
import { PeerClient, PeerRef } from '../peers/peer-client';
import { PeerHealth } from '../peers/peer-health';
import { LocalReplicaTarget } from './local-replica.target';
import { PeerReplicaTarget } from './peer-replica.target';
import type { ReplicaTarget } from './replica-target';

/** DI token of the TargetRegistrySettings. */
export const TARGET_REGISTRY_SETTINGS = Symbol('TargetRegistrySettings');

export interface TargetRegistrySettings {
  /** How recent a successful probe must be to use a peer the map calls DISCONNECTED. */
  peerSeenWithinMs: number;
}

/**
 * Turns service names into replica targets: this agent's own backend, or a
 * peer at the URL the cluster map gives. It also knows which services can
 * take traffic now (ACTIVE in the map and not failing recently), and records
 * the outcome of calls so that failing peers are skipped for a while.
 */
@Injectable()
export class TargetRegistry {
  private readonly self: string;

  constructor(
    identity: AgentIdentity,
    private readonly local: LocalReplicaTarget,
    private readonly client: PeerClient,
    private readonly map: ClusterMapService,
    private readonly health: PeerHealth,
    @Inject(TARGET_REGISTRY_SETTINGS) private readonly settings: TargetRegistrySettings,
  ) {
    this.self = identity.name;
  }

  get(service: string): ReplicaTarget {
    if (service === this.self) return this.local;
    return new PeerReplicaTarget(this.peer(service), this.client);
  }

  /** A peer's address from the map. */
  peer(service: string): PeerRef {
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
    return info.status === 'ACTIVE' || (info.status === 'DISCONNECTED' && this.health.seenWithin(service, this.settings.peerSeenWithinMs));
  }

  /** Services sorted for reading: this agent first, then by measured distance, unusable ones last. */
  byDistance(services: string[]): string[] {
    const rank = (s: string) => (s === this.self ? -1 : this.usable(s) ? this.health.distance(s) : Number.MAX_VALUE);
    return [...services].sort((a, b) => rank(a) - rank(b));
  }

  /** Records the outcome of a call so failing peers are skipped for a while. */
  observe(service: string, ok: boolean): void {
    if (service === this.self) return;
    if (ok) this.health.recordSuccess(service);
    else this.health.recordFailure(service);
  }
}
