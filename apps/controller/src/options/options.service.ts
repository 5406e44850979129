import { Injectable, Logger } from '@nestjs/common';
import { BadRequestError, Clock, ConfigError, ConflictError, NotFoundError, type StorageOption } from '@mcos/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { ClusterLock } from '../common/cluster-lock';
import { StateRepository } from '../database/state.repository';
import { HealthStore } from '../registry/health.store';
import { ServiceRepository } from '../registry/service.repository';
import { RingRepository } from '../rings/ring.repository';
import { RingsService } from '../rings/rings.service';
import { optionProblems, readsOwnWrites } from './option-rules';
import { OptionRepository, StoredOption } from './option.repository';

import type { OptionView } from '@mcos/common';
export type { OptionView };

export interface OptionChanges {
  replicas?: number;
  writeQuorum?: number;
  readQuorum?: number;
  placement?: StorageOption['placement'] | null;
}

/**
 * Storage options: defaults seeded once from the config, then owned by the
 * admin API. Creating or changing an option (re)builds its ring when the
 * cluster has rings; deleting one is allowed only when no container uses it.
 *
 * "Unused" is judged from the agents' latest health reports
 * (`containersByOption`); while any ACTIVE agent has not reported since the
 * controller started, usage is unknown and the delete is refused (409).
 */
@Injectable()
export class OptionsService {
  private readonly logger = new Logger(OptionsService.name);

  constructor(
    private readonly clock: Clock,
    private readonly lock: ClusterLock,
    private readonly repo: OptionRepository,
    private readonly rings: RingsService,
    private readonly ringRepo: RingRepository,
    private readonly services: ServiceRepository,
    private readonly health: HealthStore,
    private readonly state: StateRepository,
    private readonly clusterMap: ClusterMapService,
  ) {}

  /**
   * Stores the configured default options on the first start only (an admin
   * may delete them later without them coming back).
   * @throws ConfigError when a default breaks the quorum rules (start-up stops).
   */
  async seedDefaults(defaults: readonly StorageOption[]): Promise<void> {
    if (await this.state.get('optionsSeeded')) return;
    for (const option of defaults) {
      const problems = optionProblems(option);
      if (problems.length > 0) throw new ConfigError([`defaultOptions ${option.name}: ${problems.join('; ')}`]);
    }
    const now = this.clock.now();
    for (const option of defaults) {
      if (!(await this.repo.findByName(option.name))) await this.repo.save({ ...normalise(option), createdAt: now, updatedAt: now });
    }
    await this.state.set('optionsSeeded', 'true');
    this.logger.log(`seeded default options: ${defaults.map((o) => o.name).join(', ')}`);
  }

  async list(): Promise<OptionView[]> {
    const [options, rings] = await Promise.all([this.repo.findAll(), this.ringRepo.findAll()]);
    return options.map((o) => this.toView(o, rings.get(o.name)?.current.version));
  }

  async get(name: string): Promise<OptionView> {
    const option = await this.required(name);
    const rings = await this.ringRepo.findAll();
    return this.toView(option, rings.get(name)?.current.version);
  }

  /** @throws ConflictError the name exists. @throws BadRequestError quorum rules broken. */
  create(input: StorageOption): Promise<OptionView> {
    return this.lock.run(async () => {
      if (await this.repo.findByName(input.name)) throw new ConflictError(`Option ${input.name} already exists`);
      const option = normalise(input);
      this.check(option);
      const now = this.clock.now();
      await this.repo.save({ ...option, createdAt: now, updatedAt: now });
      await this.rings.afterOptionChanged(option.name);
      await this.clusterMap.publish(`option ${option.name} created`);
      return this.get(option.name);
    });
  }

  /**
   * Changes replicas, quorums or placement. A change of replicas or placement
   * rebuilds the option's ring.
   * @throws BadRequestError quorum rules broken.
   * @throws ConflictError the option has a ring and would have fewer eligible services than replicas.
   */
  update(name: string, changes: OptionChanges): Promise<OptionView> {
    return this.lock.run(async () => {
      const current = await this.required(name);
      const merged: StoredOption = {
        ...current,
        replicas: changes.replicas ?? current.replicas,
        writeQuorum: changes.writeQuorum ?? current.writeQuorum,
        readQuorum: changes.readQuorum ?? current.readQuorum,
        placement: changes.placement === null ? undefined : (changes.placement ?? current.placement),
        updatedAt: this.clock.now(),
      };
      const option = { ...normalise(merged), createdAt: current.createdAt, updatedAt: merged.updatedAt };
      this.check(option);
      const infeasible = await this.rings.infeasibility(option);
      if (infeasible) throw new ConflictError(infeasible);
      await this.repo.save(option);
      await this.rings.afterOptionChanged(name);
      await this.clusterMap.publish(`option ${name} changed`);
      return this.get(name);
    });
  }

  /** @throws ConflictError a container uses it, or usage is unknown (see class doc). */
  delete(name: string): Promise<void> {
    return this.lock.run(async () => {
      await this.required(name);
      const usage = await this.usage(name);
      if (usage.unreported.length > 0) {
        throw new ConflictError(
          `Cannot tell whether option ${name} is unused: ACTIVE service(s) ${usage.unreported.join(', ')} have not reported since the controller started; retry after the next poll`,
        );
      }
      if ((usage.containers ?? 0) > 0) throw new ConflictError(`Option ${name} is used by ${usage.containers} container(s)`);
      await this.repo.delete(name);
      await this.rings.afterOptionDeleted(name);
      await this.clusterMap.publish(`option ${name} deleted`);
    });
  }

  private async usage(name: string): Promise<{ containers?: number; unreported: string[] }> {
    const services = await this.services.findAll();
    const unreported = services.filter((s) => s.status === 'ACTIVE' && !this.health.latest(s.name)).map((s) => s.name);
    return { containers: this.containersUsing(name), unreported };
  }

  private containersUsing(name: string): number | undefined {
    const counts = [...this.health.all().values()].map((r) => r.health.containersByOption[name] ?? 0);
    return counts.length === 0 ? undefined : Math.max(...counts);
  }

  private check(option: StorageOption): void {
    const problems = optionProblems(option);
    if (problems.length > 0) throw new BadRequestError(problems.join('; '));
  }

  private async required(name: string): Promise<StoredOption> {
    const option = await this.repo.findByName(name);
    if (!option) throw new NotFoundError(`No option named ${name}`);
    return option;
  }

  private toView(option: StoredOption, ringVersion: number | undefined): OptionView {
    return {
      ...normalise(option),
      readYourWrites: readsOwnWrites(option),
      ringVersion,
      containers: this.containersUsing(option.name),
      createdAt: new Date(option.createdAt).toISOString(),
      updatedAt: new Date(option.updatedAt).toISOString(),
    };
  }
}

/** Only the StorageOption fields, with an empty placement dropped. */
function normalise(option: StorageOption): StorageOption {
  const result: StorageOption = {
    name: option.name,
    replicas: option.replicas,
    writeQuorum: option.writeQuorum,
    readQuorum: option.readQuorum,
  };
  const regions = option.placement?.regions?.length ? [...option.placement.regions] : undefined;
  const services = option.placement?.services?.length ? [...option.placement.services] : undefined;
  if (regions || services) result.placement = { ...(regions ? { regions } : {}), ...(services ? { services } : {}) };
  return result;
}
