import { Injectable, Logger } from '@nestjs/common';
import {
  type AgentHealth,
  type BackendKind,
  type BackgroundProgress,
  BadRequestError,
  Clock,
  ConflictError,
  ForbiddenError,
  keyIdOf,
  LEGACY_CLUSTER_CREDENTIAL_HEADER,
  NotFoundError,
  parseEd25519PublicKey,
  type RegisterServiceRequest,
  type RegisterServiceResponse,
  secretsEqual,
  type ServiceStatus,
} from '@mcos/common';
import { ClusterSecretsService } from '../auth/cluster-secrets.service';
import { ServiceIdentityService } from '../auth/service-identity.service';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { ClusterLock } from '../common/cluster-lock';
import { ControllerConfig } from '../config/controller-config';
import { RingsService } from '../rings/rings.service';
import { HealthStore } from './health.store';
import type { RegisteredService, WeightSource } from './registered-service';
import { ServiceRepository } from './service.repository';
import { statusAfterPoll } from './service-status';
import { weightFor } from './weights';

// The admin API's shapes are one meaning per name in @mcos/common (the CLI reads the same).
import type { ClusterProgress, DistanceMatrix, ServiceProgress, ServiceView } from '@mcos/common';
export type { ClusterProgress, DistanceMatrix, ServiceProgress, ServiceView };

/** The outcome of polling one agent. */
export interface PollOutcome {
  service: RegisteredService;
  health?: AgentHealth;
  error?: Error;
}

/** How long polled facts (capacity, distances) may stay only in memory before they are written back. */
const FACTS_PERSIST_INTERVAL_MS = 60_000;

/**
 * The registry of cloud services: registration, deregistration, removal,
 * and the status transitions that polls cause. Every change that affects the
 * cluster map asks the rings whether they must follow, then publishes one new
 * map version.
 */
@Injectable()
export class RegistryService {
  private readonly logger = new Logger(RegistryService.name);
  private readonly factsPersistedAt = new Map<string, number>();

  constructor(
    private readonly config: ControllerConfig,
    private readonly clock: Clock,
    private readonly lock: ClusterLock,
    private readonly repo: ServiceRepository,
    private readonly health: HealthStore,
    private readonly rings: RingsService,
    private readonly clusterMap: ClusterMapService,
    private readonly secrets: ClusterSecretsService,
    private readonly identities: ServiceIdentityService,
  ) {}

  /**
   * Registers a new service, or re-registers a known name (restart, new
   * URL). The request proves it holds the identity key it registers (an
   * assertion signed with it); a known name keeps the key it first came
   * with, so nobody can take over a name they do not own, and a REMOVED
   * service cannot come back until an admin re-admits it.
   *
   * @throws BadRequestError the public key is missing or not an Ed25519 key.
   * @throws UnauthorizedError no valid proof of possession.
   * @throws ForbiddenError the service was REMOVED or revoked and not re-admitted.
   * @throws ConflictError the name belongs to another identity.
   */
  register(request: RegisterServiceRequest, proof: { assertion?: unknown; legacyCredential?: string }): Promise<RegisterServiceResponse> {
    return this.lock.run(async () => {
      const all = await this.repo.findAll();
      const existing = all.find((s) => s.name === request.name);
      const key = parseEd25519PublicKey(request.publicKey);
      if (!key) throw new BadRequestError('publicKey must be the PEM (SPKI) of an Ed25519 public key');
      this.identities.verifyProofOfPossession(proof.assertion, request.name, key);
      if (existing) this.checkMayReturn(existing, keyIdOf(key), proof.legacyCredential);
      const now = this.clock.now();
      const weight = weightFor(request, existing, all.filter((s) => s.name !== request.name));
      const service: RegisteredService = {
        name: request.name,
        url: request.url,
        region: request.region,
        backend: request.backend,
        status: 'ACTIVE',
        ...weight,
        capacityTotalBytes: request.capacityTotalBytes ?? existing?.capacityTotalBytes,
        capacityUsedBytes: request.capacityUsedBytes ?? existing?.capacityUsedBytes,
        writeMBps: request.writeMBps ?? existing?.writeMBps,
        readMBps: request.readMBps ?? existing?.readMBps,
        distancesMs: existing?.distancesMs ?? {},
        registeredAt: existing?.registeredAt ?? now,
        updatedAt: now,
        lastSeenAt: now,
        publicKey: request.publicKey,
      };
      await this.repo.save(service);
      this.health.resetMisses(service.name);
      await this.rings.afterMembershipChange();
      const what = existing ? (existing.status === 'REMOVED' ? 'rejoined' : 're-registered') : 'joined';
      const map = await this.clusterMap.publish(`service ${service.name} ${what} (${service.url})`, service.name);
      return { clusterMap: map };
    });
  }

  /**
   * A known name may register again only as itself, and not after a removal
   * unless re-admitted. A service registered before agents had keys adopts
   * its first key only with the old shared credential it was given then.
   */
  private checkMayReturn(existing: RegisteredService, keyId: string, legacyCredential: string | undefined): void {
    if (existing.readmittedAt !== undefined) return;
    if (existing.revokedAt !== undefined || existing.status === 'REMOVED') {
      throw new ForbiddenError(`Service ${existing.name} was ${existing.revokedAt !== undefined ? 'revoked' : 'removed'}; an admin must re-admit it (POST /v1/services/${existing.name}/readmit)`);
    }
    if (existing.publicKey === undefined) {
      const expected = this.secrets.legacyCredential;
      if (expected !== undefined && secretsEqual(legacyCredential, expected)) {
        this.logger.log(`service ${existing.name} registered before agents had keys: adopts key ${keyId} (proved with its old cluster credential)`);
        return;
      }
      throw new ConflictError(
        `Service ${existing.name} was registered before agents had keys; its first key needs its old cluster credential (${LEGACY_CLUSTER_CREDENTIAL_HEADER}), or an admin removes and re-admits it`,
      );
    }
    if (keyIdOf(existing.publicKey) !== keyId) {
      throw new ConflictError(`Service name ${existing.name} belongs to another identity key; an admin must remove and re-admit it`);
    }
  }

  /**
   * An admin revokes a service's identity (a compromised agent): REMOVED,
   * out of the map (peers and the controller refuse its assertions from the
   * next map on), and the rings rebuilt without it when the options allow;
   * it can register again only after a re-admission.
   */
  revoke(name: string): Promise<ServiceView> {
    return this.lock.run(async () => {
      const service = await this.required(name);
      const now = this.clock.now();
      await this.repo.save({ ...service, status: 'REMOVED', revokedAt: service.revokedAt ?? now, readmittedAt: undefined, updatedAt: now });
      const blockers = await this.rings.removalBlockers(name);
      if (blockers.length === 0) await this.rings.afterServiceRemoved();
      else this.logger.warn(`service ${name} revoked; rings keep it until options ${blockers.join(', ')} have enough other services`);
      await this.clusterMap.publish(`service ${name} revoked`);
      return this.toView((await this.repo.findByName(name)) as RegisteredService);
    });
  }

  /**
   * An admin lets a REMOVED (or revoked) service register again; its next
   * registration may bring a new identity key.
   *
   * @throws ConflictError the service is not REMOVED.
   */
  readmit(name: string): Promise<ServiceView> {
    return this.lock.run(async () => {
      const service = await this.required(name);
      if (service.status !== 'REMOVED') throw new ConflictError(`Service ${name} is ${service.status}, not REMOVED; only a removed service is re-admitted`);
      await this.repo.save({ ...service, readmittedAt: this.clock.now(), revokedAt: undefined, publicKey: undefined, updatedAt: this.clock.now() });
      await this.clusterMap.publish(`service ${name} re-admitted`);
      return this.toView((await this.repo.findByName(name)) as RegisteredService);
    });
  }

  /**
   * A clean shutdown: the service becomes SHUTOFF but keeps its place in the rings.
   *
   * @param caller the agent whose assertion came with the request.
   * @throws ForbiddenError an agent tried to shut off another one.
   */
  deregister(name: string, caller?: string): Promise<void> {
    return this.lock.run(async () => {
      const service = await this.required(name);
      if (caller !== name) {
        throw new ForbiddenError(`An agent may only deregister itself (${caller ?? 'unnamed'} asked for ${name})`);
      }
      if (service.status === 'SHUTOFF' || service.status === 'REMOVED') return;
      await this.repo.save({ ...service, status: 'SHUTOFF', updatedAt: this.clock.now() });
      await this.clusterMap.publish(`service ${name} shut off`);
    });
  }

  /**
   * An admin takes a service out: REMOVED, and the rings are rebalanced
   * without it.
   *
   * @throws ConflictError an option's ring would be left with fewer services than replicas.
   */
  remove(name: string): Promise<ServiceView> {
    return this.lock.run(async () => {
      const service = await this.required(name);
      if (service.status !== 'REMOVED') {
        const blockers = await this.rings.removalBlockers(name);
        if (blockers.length > 0) {
          throw new ConflictError(`Removing ${name} would leave too few services for option(s) ${blockers.join(', ')}; change or delete them first`);
        }
        await this.repo.save({ ...service, status: 'REMOVED', updatedAt: this.clock.now() });
        await this.rings.afterServiceRemoved();
        await this.clusterMap.publish(`service ${name} removed`);
      }
      return this.toView((await this.repo.findByName(name)) as RegisteredService);
    });
  }

  async list(): Promise<ServiceView[]> {
    return (await this.repo.findAll()).map((s) => this.toView(s));
  }

  async get(name: string): Promise<ServiceView> {
    return this.toView(await this.required(name));
  }

  async distances(): Promise<DistanceMatrix> {
    const services = (await this.repo.findAll()).filter((s) => s.status !== 'REMOVED');
    const matrixMs: Record<string, Record<string, number>> = {};
    for (const service of services) matrixMs[service.name] = this.health.latest(service.name)?.health.distancesMs ?? service.distancesMs;
    return { services: services.map((s) => s.name), matrixMs };
  }

  async progress(): Promise<ClusterProgress> {
    const services = (await this.repo.findAll()).filter((s) => s.status !== 'REMOVED');
    const remainingByOption: Record<string, number> = {};
    const totals = { scanned: 0, pushed: 0, moved: 0, deleted: 0, corrupt: 0, failures: 0 };
    let oldestUnreplicatedMs = 0;
    const unreported: string[] = [];
    const perService: ServiceProgress[] = [];
    for (const service of services) {
      const report = this.health.latest(service.name);
      if (!report) {
        if (service.status === 'ACTIVE') unreported.push(service.name);
        perService.push({ name: service.name, status: service.status });
        continue;
      }
      const progress = report.health.progress;
      for (const [option, count] of Object.entries(progress.remainingByOption)) {
        remainingByOption[option] = (remainingByOption[option] ?? 0) + count;
      }
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += progress[key];
      oldestUnreplicatedMs = Math.max(oldestUnreplicatedMs, progress.oldestUnreplicatedMs);
      perService.push({ name: service.name, status: service.status, reportedAt: iso(report.receivedAt), progress });
    }
    const remaining = Object.values(remainingByOption).reduce((a, b) => a + b, 0);
    return {
      clusterMapVersion: this.clusterMap.version,
      remainingByOption,
      remaining,
      oldestUnreplicatedMs,
      totals,
      unreported,
      settled: unreported.length === 0 && remaining === 0 && oldestUnreplicatedMs === 0,
      services: perService,
    };
  }

  /** Services the poller asks: ACTIVE and DISCONNECTED ones. */
  async pollTargets(): Promise<RegisteredService[]> {
    return (await this.repo.findAll()).filter((s) => s.status === 'ACTIVE' || s.status === 'DISCONNECTED');
  }

  /**
   * Applies one round of poll outcomes: records health, counts misses,
   * moves statuses (see statusAfterPoll), publishes one map when any status
   * changed, and re-pushes the map to answering agents that are behind.
   */
  applyPollOutcomes(outcomes: PollOutcome[]): Promise<void> {
    return this.lock.run(async () => {
      const now = this.clock.now();
      const changes: string[] = [];
      const answered: RegisteredService[] = [];
      for (const outcome of outcomes) {
        // Re-read: a registration may have changed the service while the poll was out.
        const service = await this.repo.findByName(outcome.service.name);
        if (!service || service.url !== outcome.service.url) continue;
        const health = outcome.health && (outcome.health.name === '' || outcome.health.name === service.name) ? outcome.health : undefined;
        if (outcome.health && !health) {
          this.logger.warn(`${service.url} answered as ${outcome.health.name}, not ${service.name}: counted as a miss`);
        }
        const misses = health ? 0 : this.health.recordMiss(service.name);
        if (health) this.health.record(service.name, health, now);
        else this.logger.debug(`poll ${service.name} missed (${misses}/${this.config.missThreshold}): ${outcome.error?.message ?? 'wrong agent'}`);
        const status = statusAfterPoll(service.status, health !== undefined, misses, this.config.missThreshold);
        const updated = health ? withFacts(service, health, now) : service;
        if (status !== service.status) {
          changes.push(`${service.name} ${service.status} -> ${status}`);
          this.logger.log(`service ${service.name}: ${service.status} -> ${status}`);
          await this.repo.save({ ...updated, status, updatedAt: now });
          this.factsPersistedAt.set(service.name, now);
        } else if (health && this.factsDue(service, updated, now)) {
          await this.repo.save(updated);
          this.factsPersistedAt.set(service.name, now);
        }
        if (health && status === 'ACTIVE') answered.push(service);
      }
      if (changes.length > 0) await this.rings.afterMembershipChange();
      if (await this.rings.continueConvergence()) changes.push('next rebalance step');
      if (changes.length > 0) await this.clusterMap.publish(changes.join(', '));
      for (const service of answered) {
        this.clusterMap.noteAgentVersion(service, this.health.latest(service.name)?.health.clusterMapVersion ?? 0);
      }
    });
  }

  private factsDue(before: RegisteredService, after: RegisteredService, now: number): boolean {
    if (before.capacityTotalBytes !== after.capacityTotalBytes) return true;
    const last = this.factsPersistedAt.get(before.name) ?? 0;
    return now - last >= FACTS_PERSIST_INTERVAL_MS;
  }

  private async required(name: string): Promise<RegisteredService> {
    const service = await this.repo.findByName(name);
    if (!service) throw new NotFoundError(`No service named ${name}`);
    return service;
  }

  private toView(service: RegisteredService): ServiceView {
    const report = this.health.latest(service.name);
    const health = report?.health;
    return {
      name: service.name,
      url: service.url,
      region: service.region,
      backend: service.backend,
      status: service.status,
      weight: service.weight,
      weightSource: service.weightSource,
      capacity: {
        totalBytes: health?.capacityTotalBytes ?? service.capacityTotalBytes,
        usedBytes: health?.capacityUsedBytes ?? service.capacityUsedBytes,
      },
      speed: { writeMBps: service.writeMBps, readMBps: service.readMBps },
      distancesMs: health?.distancesMs ?? service.distancesMs,
      clusterMapVersion: health?.clusterMapVersion,
      ringVersions: health?.ringVersions ?? {},
      progress: health?.progress,
      missedPolls: this.health.missesOf(service.name),
      registeredAt: iso(service.registeredAt) as string,
      lastSeenAt: iso(report?.receivedAt ?? service.lastSeenAt),
      lastReportAt: iso(report?.receivedAt),
    };
  }
}

function withFacts(service: RegisteredService, health: AgentHealth, now: number): RegisteredService {
  return {
    ...service,
    capacityTotalBytes: health.capacityTotalBytes ?? service.capacityTotalBytes,
    capacityUsedBytes: health.capacityUsedBytes ?? service.capacityUsedBytes,
    distancesMs: health.distancesMs,
    lastSeenAt: now,
  };
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
