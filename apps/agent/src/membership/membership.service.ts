import { Injectable, Logger } from '@nestjs/common';
import { ObjectBackend } from '@mcos/backends';
import type { RegisterServiceRequest } from '@mcos/common';
import { AgentCredentials } from '../cluster-map/agent-credentials';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { ClusterStateStore } from '../cluster-map/cluster-state.store';
import { AgentConfig } from '../config/agent-config';
import { AgentIdentity } from '../config/agent-identity';
import { ControllerClient } from '../controller-client/controller-client';
import { PeerClient } from '../peers/peer-client';
import { PeerHealth } from '../peers/peer-health';

/**
 * The agent's life in the cluster: resume from the persisted map, register
 * (retrying while the controller is away), keep measuring peers and pull a
 * newer map when a peer shows one, deregister on a clean shutdown.
 */
@Injectable()
export class MembershipService {
  private readonly logger = new Logger(MembershipService.name);
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly config: AgentConfig,
    private readonly identity: AgentIdentity,
    private readonly backend: ObjectBackend,
    private readonly map: ClusterMapService,
    private readonly credentials: AgentCredentials,
    private readonly store: ClusterStateStore,
    private readonly controller: ControllerClient,
    private readonly peers: PeerClient,
    private readonly peerHealth: PeerHealth,
  ) {}

  /** Resumes what was persisted (the map only if it verifies against the pinned controller key); runs before the HTTP server opens. */
  async restore(): Promise<void> {
    await this.map.restore();
  }

  /** Joins the cluster once the HTTP server is listening (the controller polls it right away). */
  async join(): Promise<void> {
    const facts = await this.measure();
    await this.registerUntilDone(facts);
    this.every(this.config.peerProbeIntervalMs, () => this.probePeers());
  }

  async leave(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    if (!this.map.joined) return;
    try {
      await this.controller.deregister(this.identity.name);
      this.logger.log('deregistered from the controller (SHUTOFF)');
    } catch (err) {
      this.logger.warn(`could not deregister: ${(err as Error).message}`);
    }
  }

  /** One round of peer probes: round-trip times, and a newer map if a peer has one. */
  async probePeers(): Promise<void> {
    let newest = this.map.version;
    let holder: { name: string; url: string } | undefined;
    await Promise.all(
      this.map
        .services()
        .filter((s) => s.name !== this.identity.name && (s.status === 'ACTIVE' || s.status === 'DISCONNECTED'))
        .map(async (s) => {
          try {
            const pong = await this.peers.ping(s);
            this.peerHealth.recordRtt(s.name, pong.rttMs);
            if (pong.clusterMapVersion > newest) {
              newest = pong.clusterMapVersion;
              holder = s;
            }
          } catch {
            this.peerHealth.recordFailure(s.name);
          }
        }),
    );
    if (holder) await this.pullMap(holder);
  }

  private async pullMap(peer: { name: string; url: string }): Promise<void> {
    try {
      await this.map.accept(await this.controller.fetchClusterMap());
    } catch (err) {
      this.logger.warn(`controller did not give the newer map (${(err as Error).message}); asking ${peer.name}`);
      try {
        await this.map.accept(await this.peers.clusterMap(peer));
      } catch (e) {
        this.logger.warn(`could not pull the map from ${peer.name}: ${(e as Error).message}`);
      }
    }
  }

  private async measure(): Promise<RegisterServiceRequest> {
    const [capacity, speed] = await Promise.all([
      this.backend.capacity(),
      this.backend.probe().catch((err: Error) => {
        this.logger.warn(`backend probe failed: ${err.message}`);
        return undefined;
      }),
    ]);
    return {
      name: this.identity.name,
      url: this.identity.url,
      region: this.identity.region,
      weight: this.config.weight,
      backend: this.backend.kind,
      capacityTotalBytes: capacity.totalBytes,
      capacityUsedBytes: capacity.usedBytes,
      writeMBps: speed?.writeMBps,
      readMBps: speed?.readMBps,
      publicKey: this.credentials.publicKeyPem,
    };
  }

  private async registerUntilDone(facts: RegisterServiceRequest): Promise<void> {
    try {
      const answer = await this.controller.register(facts, await this.store.loadLegacyCredential());
      await this.map.acceptFromRegistration(answer.clusterMap);
      await this.store.forgetLegacyCredential();
      this.logger.log(`registered with the controller as ${facts.name} (${facts.region}), cluster map v${this.map.version}`);
    } catch (err) {
      const how = this.map.version > 0 ? `serving from persisted map v${this.map.version}` : 'not serving until it joins';
      this.logger.warn(`registration failed (${(err as Error).message}); ${how}; retrying in ${this.config.registerRetryMs} ms`);
      if (!this.stopped) this.timers.push(setTimeout(() => void this.registerUntilDone(facts), this.config.registerRetryMs));
    }
  }

  private every(ms: number, task: () => Promise<void>): void {
    const run = () => {
      if (this.stopped) return;
      void task()
        .catch((err: Error) => this.logger.warn(err.message))
        .finally(() => {
          if (!this.stopped) this.timers.push(setTimeout(run, ms));
        });
    };
    this.timers.push(setTimeout(run, 0));
  }
}
