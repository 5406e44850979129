import { Injectable, Logger } from '@nestjs/common';
import { Clock, type ClusterMap, type RingEntry, type ServiceInfo, signClusterMap, type StorageOption } from '@mcos/common';
import { ClusterSecretsService } from '../auth/cluster-secrets.service';
import { ServiceIdentityService } from '../auth/service-identity.service';
import { StateRepository } from '../database/state.repository';
import { MetricsService } from '../health/metrics.service';
import { OptionRepository } from '../options/option.repository';
import type { RegisteredService } from '../registry/registered-service';
import { ServiceRepository } from '../registry/service.repository';
import { RingRepository } from '../rings/ring.repository';
import type { StoredRing } from '../rings/stored-ring';
import { UserRepository } from '../users/user.repository';
import { MapPusher } from './map-pusher';

/**
 * Owns the versioned cluster map: composes it from the stored services,
 * options and rings, bumps the version on every change, keeps the current
 * map (also persisted, so versions survive restarts and are never reused)
 * and hands it to the pusher for every ACTIVE agent.
 */
@Injectable()
export class ClusterMapService {
  private readonly logger = new Logger(ClusterMapService.name);
  private current?: ClusterMap;

  constructor(
    private readonly state: StateRepository,
    private readonly services: ServiceRepository,
    private readonly options: OptionRepository,
    private readonly rings: RingRepository,
    private readonly users: UserRepository,
    private readonly secrets: ClusterSecretsService,
    private readonly identities: ServiceIdentityService,
    private readonly pusher: MapPusher,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  /** Loads the stored map, or makes version 1 on a fresh database. Call once at boot, under the cluster lock. */
  async init(): Promise<void> {
    const stored = await this.state.get('clusterMap');
    if (stored) {
      this.current = JSON.parse(stored) as ClusterMap;
      this.identities.useMap(this.current);
      this.metrics.setMapVersion(this.current.version);
      this.metrics.setServiceCounts(this.current.services.map((s) => s.status));
      // A map from before signing (or before the last key change) is re-made, so agents never see an unsigned one.
      if (this.current.signature?.keyId !== this.secrets.mapKeys[this.secrets.mapKeys.length - 1]?.keyId) await this.publish('signed map');
      return;
    }
    await this.publish('initial map');
  }

  currentMap(): ClusterMap {
    if (!this.current) throw new Error('Cluster map not initialised');
    return this.current;
  }

  get version(): number {
    return this.current?.version ?? 0;
  }

  /**
   * Makes a new version from the stored state, persists it and starts
   * pushing it to every ACTIVE agent (without waiting for them).
   * Must run under the ClusterLock, after the change it announces.
   *
   * @param deliveredTo an agent that gets this map another way (the
   *   registration answer), so it is not pushed to it.
   */
  async publish(reason: string, deliveredTo?: string): Promise<ClusterMap> {
    const [services, options, rings, users, accessKeysVersion] = await Promise.all([
      this.services.findAll(),
      this.options.findAll(),
      this.rings.findAll(),
      this.users.generations(),
      this.state.get('accessKeysVersion'),
    ]);
    const unsigned: ClusterMap = {
      version: this.version + 1,
      createdAt: this.clock.now(),
      // A revoked identity is out of the map: no peer finds its key any more.
      services: services.filter((s) => s.revokedAt === undefined).map(toServiceInfo),
      options: options.map(toStorageOption),
      rings: [...rings.values()].map((pair) => toRingEntry(pair.current)),
      previousRings: [...rings.values()].flatMap((pair) => (pair.previous ? [toRingEntry(pair.previous)] : [])),
      tokenPublicKey: this.secrets.tokenPublicKeyPem,
      tokenKeys: this.secrets.tokenKeys(),
      users,
      mapKeys: this.secrets.mapKeys,
    };
    if (accessKeysVersion !== undefined) unsigned.accessKeysVersion = Number(accessKeysVersion);
    const map = signClusterMap(unsigned, this.secrets.mapSigningKey);
    await this.state.set('clusterMap', JSON.stringify(map));
    this.current = map;
    this.identities.useMap(map);
    this.metrics.setMapVersion(map.version);
    this.metrics.setServiceCounts(services.map((s) => s.status));
    this.logger.log(`cluster map v${map.version}: ${reason}`);
    if (deliveredTo) this.pusher.noteHeld(deliveredTo, map.version);
    for (const service of services) {
      if (service.status === 'ACTIVE') this.pusher.push(service, map);
    }
    return map;
  }

  /**
   * An agent told us (poll) which version it holds; if it is behind, it gets
   * the current map again.
   */
  noteAgentVersion(service: Pick<RegisteredService, 'name' | 'url'>, heldVersion: number): void {
    this.pusher.noteHeld(service.name, heldVersion);
    if (this.current && heldVersion < this.current.version) this.pusher.push(service, this.current);
  }
}

function toServiceInfo(service: RegisteredService): ServiceInfo {
  const info: ServiceInfo = {
    name: service.name,
    url: service.url,
    region: service.region,
    weight: service.weight,
    status: service.status,
    backend: service.backend,
  };
  if (service.publicKey) info.publicKey = service.publicKey;
  return info;
}

function toStorageOption(option: StorageOption): StorageOption {
  const result: StorageOption = {
    name: option.name,
    replicas: option.replicas,
    writeQuorum: option.writeQuorum,
    readQuorum: option.readQuorum,
  };
  if (option.placement) result.placement = option.placement;
  return result;
}

function toRingEntry(ring: StoredRing): RingEntry {
  return { option: ring.option, version: ring.version, checksum: ring.checksum, data: ring.data };
}
