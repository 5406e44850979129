import { Injectable, Logger } from '@nestjs/common';
import { Clock, NotFoundError, type OptionRingView, type RebuildResult, type RingAction, type RingChange, type RingDetails, type StorageOption } from '@mcos/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { ClusterLock } from '../common/cluster-lock';
import { ControllerConfig } from '../config/controller-config';
import { StateRepository } from '../database/state.repository';
import { OptionRepository } from '../options/option.repository';
import { HealthStore } from '../registry/health.store';
import type { RegisteredService } from '../registry/registered-service';
import { ServiceRepository } from '../registry/service.repository';
import { RingBuilderService } from './ring-builder.service';
import { eligibleMembers, sameMembers } from './ring-membership';
import { RingPair, RingRepository } from './ring.repository';
import type { RingMember, StoredRing } from './stored-ring';

interface Plan {
  option: StorageOption;
  action: RingAction;
  reason?: string;
  members: RingMember[];
  current?: StoredRing;
}

interface ClusterSnapshot {
  services: RegisteredService[];
  options: StorageOption[];
  rings: Map<string, RingPair>;
}

/**
 * When rings are built and rebuilt:
 * - the first rings: once `expectedServices` services are ACTIVE and no ring
 *   exists, for every option that has enough eligible services;
 * - a join (or a changed weight/region): rebalance when `autoRebalance`;
 * - a removal: always rebalance (removing is how an admin takes a service out
 *   of the rings);
 * - an option created or changed: its ring is (re)built at once when the
 *   cluster already has rings;
 * - `POST /v1/rings/rebuild`: every option whose ring would change.
 * An option with more replicas than eligible services gets no ring.
 *
 * The `after*` methods run inside the caller's ClusterLock and do not
 * publish: the caller publishes one map for the whole change.
 */
@Injectable()
export class RingsService {
  private readonly logger = new Logger(RingsService.name);
  /** Whether some ring still has moves to make; undefined = not known yet (spares a database read per poll). */
  private convergencePending?: boolean;

  constructor(
    private readonly config: ControllerConfig,
    private readonly clock: Clock,
    private readonly lock: ClusterLock,
    private readonly servicesRepo: ServiceRepository,
    private readonly optionsRepo: OptionRepository,
    private readonly ringsRepo: RingRepository,
    private readonly state: StateRepository,
    private readonly health: HealthStore,
    private readonly builder: RingBuilderService,
    private readonly clusterMap: ClusterMapService,
  ) {}

  /** Admin: rebuild every ring that would change (or, with dryRun, say what that would do). */
  rebuild(dryRun: boolean): Promise<RebuildResult> {
    return this.lock.run(async () => {
      const snapshot = await this.snapshot();
      const plans = snapshot.options.map((o) => this.plan(o, snapshot, true));
      if (dryRun) {
        let nextVersion = await this.peekRingVersion();
        const options = plans.map((plan) => {
          if (plan.action !== 'build' && plan.action !== 'rebalance') return this.describe(plan);
          nextVersion += 1;
          return this.describe(plan, this.buildFor(plan, nextVersion));
        });
        return { dryRun: true, clusterMapVersion: this.clusterMap.version, options };
      }
      const options = await this.apply(plans);
      const changed = options.some((o) => o.action === 'build' || o.action === 'rebalance');
      if (changed) await this.clusterMap.publish('rings rebuilt by an admin');
      return { dryRun: false, clusterMapVersion: this.clusterMap.version, options };
    });
  }

  async list(): Promise<OptionRingView[]> {
    const snapshot = await this.snapshot();
    return snapshot.options.map((option) => this.view(option, snapshot));
  }

  async get(optionName: string): Promise<OptionRingView> {
    const snapshot = await this.snapshot();
    const option = snapshot.options.find((o) => o.name === optionName);
    if (!option) throw new NotFoundError(`No option named ${optionName}`);
    return this.view(option, snapshot);
  }

  /** After a registration or status change (inside the lock). True when a ring changed. */
  async afterMembershipChange(): Promise<boolean> {
    const snapshot = await this.snapshot();
    if (snapshot.rings.size === 0) {
      const active = snapshot.services.filter((s) => s.status === 'ACTIVE').length;
      if (active < this.config.expectedServices) return false;
      this.logger.log(`${active} services ACTIVE (expected ${this.config.expectedServices}): building the first rings`);
    } else if (!this.config.autoRebalance) {
      return false;
    }
    return this.changed(await this.apply(snapshot.options.map((o) => this.plan(o, snapshot, false))));
  }

  /** After an admin removed a service (inside the lock): rebalance without it. */
  async afterServiceRemoved(): Promise<boolean> {
    const snapshot = await this.snapshot();
    if (snapshot.rings.size === 0) return this.afterMembershipChange();
    return this.changed(await this.apply(snapshot.options.map((o) => this.plan(o, snapshot, false))));
  }

  /** After an option was created or changed (inside the lock). */
  async afterOptionChanged(optionName: string): Promise<boolean> {
    const snapshot = await this.snapshot();
    if (snapshot.rings.size === 0) return this.afterMembershipChange();
    const option = snapshot.options.find((o) => o.name === optionName);
    if (!option) return false;
    return this.changed(await this.apply([this.plan(option, snapshot, false)]));
  }

  /**
   * After a poll round (inside the lock), with autoRebalance: a ring whose
   * last rebalance left moves for later gets its next step once the data of
   * the previous step has settled, i.e. every member is ACTIVE, holds the
   * ring, has finished a full background pass since the ring was made and
   * has nothing left to migrate for the option. True when a ring changed.
   */
  async continueConvergence(): Promise<boolean> {
    if (!this.config.autoRebalance || this.convergencePending === false) return false;
    const snapshot = await this.snapshot();
    this.convergencePending = [...snapshot.rings.values()].some((pair) => (pair.current.stats.movement?.remainingMoves ?? 0) > 0);
    const ready = snapshot.options.filter((option) => {
      const current = snapshot.rings.get(option.name)?.current;
      if (!current || (current.stats.movement?.remainingMoves ?? 0) === 0) return false;
      return current.members.every((member) => {
        const service = snapshot.services.find((s) => s.name === member.name);
        const health = this.health.latest(member.name)?.health;
        return (
          service?.status === 'ACTIVE' &&
          health !== undefined &&
          (health.ringVersions[option.name] ?? 0) >= current.version &&
          (health.progress.lastPassAt ?? 0) > current.createdAt &&
          (health.progress.remainingByOption[option.name] ?? 0) === 0
        );
      });
    });
    if (ready.length === 0) return false;
    return this.changed(await this.apply(ready.map((o) => this.plan(o, snapshot, true))));
  }

  async afterOptionDeleted(optionName: string): Promise<void> {
    await this.ringsRepo.deleteForOption(optionName);
  }

  /**
   * Why `option` (new or changed) could not keep a ring: set when the option
   * has a ring now and would have fewer eligible services than replicas.
   */
  async infeasibility(option: StorageOption): Promise<string | undefined> {
    const [services, rings] = await Promise.all([this.servicesRepo.findAll(), this.ringsRepo.findAll()]);
    if (!rings.has(option.name)) return undefined;
    const members = eligibleMembers(option, services);
    if (members.length >= option.replicas) return undefined;
    return `option ${option.name} has a ring and would need ${option.replicas} eligible services; only ${members.length} match`;
  }

  /** Options whose ring could not survive removing `serviceName`. */
  async removalBlockers(serviceName: string): Promise<string[]> {
    const snapshot = await this.snapshot();
    const remaining = snapshot.services.map((s) => (s.name === serviceName ? { ...s, status: 'REMOVED' as const } : s));
    return snapshot.options
      .filter((o) => snapshot.rings.has(o.name))
      .filter((o) => eligibleMembers(o, remaining).length < o.replicas)
      .map((o) => `${o.name} (R=${o.replicas})`);
  }

  private async snapshot(): Promise<ClusterSnapshot> {
    const [services, options, rings] = await Promise.all([
      this.servicesRepo.findAll(),
      this.optionsRepo.findAll(),
      this.ringsRepo.findAll(),
    ]);
    return { services, options, rings };
  }

  /**
   * What to do for one option. `continueConvergence` also rebuilds a ring
   * whose inputs did not change but whose last rebalance left moves to do.
   */
  private plan(option: StorageOption, snapshot: ClusterSnapshot, continueConvergence: boolean): Plan {
    const members = eligibleMembers(option, snapshot.services);
    const current = snapshot.rings.get(option.name)?.current;
    const base = { option, members, current };
    if (members.length < option.replicas) {
      return {
        ...base,
        action: 'skipped',
        reason: `needs ${option.replicas} eligible services (not REMOVED, weight > 0${option.placement ? ', matching its placement' : ''}); ${members.length} available`,
      };
    }
    if (!current) return { ...base, action: 'build', reason: 'no ring yet' };
    if (current.replicas !== option.replicas) return { ...base, action: 'rebalance', reason: `replicas changed ${current.replicas} -> ${option.replicas}` };
    if (!sameMembers(current.members, members)) return { ...base, action: 'rebalance', reason: describeMembershipChange(current.members, members) };
    const remaining = current.stats.movement?.remainingMoves ?? 0;
    if (remaining > 0) {
      const reason = `${remaining} moves remain from the last rebalance (at most one replica per partition moves at a time)`;
      return { ...base, action: continueConvergence ? 'rebalance' : 'unchanged', reason };
    }
    return { ...base, action: 'unchanged' };
  }

  private async apply(plans: Plan[]): Promise<RingChange[]> {
    const results: RingChange[] = [];
    for (const plan of plans) {
      if (plan.action !== 'build' && plan.action !== 'rebalance') {
        results.push(this.describe(plan));
        continue;
      }
      const built = this.buildFor(plan, await this.nextRingVersion());
      await this.ringsRepo.replace(built);
      this.convergencePending = undefined;
      const movement = built.stats.movement;
      this.logger.log(
        `ring ${plan.option.name} v${built.version} (${plan.action}: ${plan.reason ?? ''}); ` +
          `balance ${built.stats.balancePercent}%, dispersion ${built.stats.dispersionPercent}%` +
          (movement ? `, moved ${movement.moved} (minimum ${movement.minimumMoves}, remaining ${movement.remainingMoves})` : ''),
      );
      results.push(this.describe(plan, built));
    }
    return results;
  }

  private buildFor(plan: Plan, version: number): StoredRing {
    return this.builder.build({
      option: plan.option.name,
      replicas: plan.option.replicas,
      // Fixed when an option's first ring is made: changing it would move every object.
      partitionPower: plan.current?.partitionPower ?? this.config.partitionPower,
      members: plan.members,
      version,
      createdAt: this.clock.now(),
      previous: plan.current,
    });
  }

  private describe(plan: Plan, built?: StoredRing): RingChange {
    const change: RingChange = {
      option: plan.option.name,
      action: plan.action,
      reason: plan.reason,
      currentVersion: plan.current?.version,
      newVersion: built?.version,
      moved: 0,
      minimumMoves: 0,
      remainingMoves: 0,
      services: [],
      estimatedBytesToMove: 0,
      bytesEstimateComplete: true,
    };
    if (!built) return change;
    const before = new Map((plan.current?.stats.services ?? []).map((s) => [s.name, s.partitionReplicas]));
    const after = new Map(built.stats.services.map((s) => [s.name, s.partitionReplicas]));
    const movement = built.stats.movement;
    change.moved = movement?.moved ?? 0;
    change.minimumMoves = movement?.minimumMoves ?? 0;
    change.remainingMoves = movement?.remainingMoves ?? 0;
    const names = [...new Set([...before.keys(), ...after.keys()])].sort();
    for (const name of names) {
      const moved = movement?.byService[name] ?? { gained: 0, lost: 0 };
      const held = before.get(name) ?? 0;
      const bytes = this.health.latest(name)?.health.indexByOption[plan.option.name]?.bytes;
      if (moved.lost > 0 && bytes === undefined) change.bytesEstimateComplete = false;
      const estimatedBytes = held > 0 && bytes !== undefined ? Math.round((bytes * moved.lost) / held) : 0;
      change.estimatedBytesToMove += estimatedBytes;
      change.services.push({ name, before: held, after: after.get(name) ?? 0, gained: moved.gained, lost: moved.lost, estimatedBytes });
    }
    return change;
  }

  private view(option: StorageOption, snapshot: ClusterSnapshot): OptionRingView {
    const pair = snapshot.rings.get(option.name);
    const plan = this.plan(option, snapshot, true);
    const pendingRebalance = pair !== undefined && plan.action === 'rebalance';
    if (!pair) {
      return { option: option.name, replicas: option.replicas, built: false, pendingRebalance: false, reason: this.missingReason(plan, snapshot) };
    }
    const ring = pair.current;
    return {
      option: option.name,
      replicas: option.replicas,
      built: true,
      pendingRebalance,
      reason: pendingRebalance || plan.action === 'skipped' ? plan.reason : undefined,
      ring: {
        version: ring.version,
        createdAt: new Date(ring.createdAt).toISOString(),
        checksum: ring.checksum,
        replicas: ring.replicas,
        partitionPower: ring.partitionPower,
        partitions: ring.stats.partitions,
        balancePercent: ring.stats.balancePercent,
        dispersionPercent: ring.stats.dispersionPercent,
        services: ring.stats.services,
        lastRebalance: ring.stats.movement,
        previousVersion: pair.previous?.version,
      },
    };
  }

  private missingReason(plan: Plan, snapshot: ClusterSnapshot): string {
    if (plan.action === 'skipped') return plan.reason as string;
    if (snapshot.rings.size === 0) {
      const active = snapshot.services.filter((s) => s.status === 'ACTIVE').length;
      return `waiting for ${this.config.expectedServices} ACTIVE services (${active} now), or POST /v1/rings/rebuild`;
    }
    return 'not built yet: POST /v1/rings/rebuild';
  }

  private changed(changes: RingChange[]): boolean {
    return changes.some((c) => c.action === 'build' || c.action === 'rebalance');
  }

  private async peekRingVersion(): Promise<number> {
    return Number((await this.state.get('ringVersionSeq')) ?? '0');
  }

  /** Ring versions come from one cluster-wide sequence: never reused, even across options. */
  private async nextRingVersion(): Promise<number> {
    const next = (await this.peekRingVersion()) + 1;
    await this.state.set('ringVersionSeq', String(next));
    return next;
  }
}

function describeMembershipChange(before: RingMember[], after: RingMember[]): string {
  const old = new Map(before.map((m) => [m.name, m]));
  const now = new Map(after.map((m) => [m.name, m]));
  const parts: string[] = [];
  const joined = after.filter((m) => !old.has(m.name)).map((m) => m.name);
  const left = before.filter((m) => !now.has(m.name)).map((m) => m.name);
  const changed = after.filter((m) => old.has(m.name) && !sameMembers([m], [old.get(m.name) as RingMember])).map((m) => m.name);
  if (joined.length) parts.push(`joined: ${joined.join(', ')}`);
  if (left.length) parts.push(`left: ${left.join(', ')}`);
  if (changed.length) parts.push(`weight/region changed: ${changed.join(', ')}`);
  return parts.join('; ') || 'membership changed';
}
