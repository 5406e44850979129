import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClusterMapService } from './cluster-map/cluster-map.service';
import { MapPusher } from './cluster-map/map-pusher';
import { ClusterLock } from './common/cluster-lock';
import { ControllerConfig } from './config/controller-config';
import { OptionsService } from './options/options.service';
import { PollingScheduler } from './polling/polling.scheduler';
import { PollingService } from './polling/polling.service';
import { RingsService } from './rings/rings.service';
import { UsersService } from './users/users.service';

const SHUTDOWN_PUSH_WAIT_MS = 2000;

/**
 * Start-up in a fixed order (options, bootstrap admin, cluster map, rings
 * that should exist, then polling) and an orderly stop (no new polls, wait
 * for the running round and the pushes in flight) before the database closes.
 */
@Injectable()
export class StartupService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Lifecycle');

  constructor(
    private readonly config: ControllerConfig,
    private readonly lock: ClusterLock,
    private readonly options: OptionsService,
    private readonly users: UsersService,
    private readonly clusterMap: ClusterMapService,
    private readonly rings: RingsService,
    private readonly scheduler: PollingScheduler,
    private readonly polling: PollingService,
    private readonly pusher: MapPusher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.lock.run(async () => {
      await this.options.seedDefaults(this.config.defaultOptions);
      const adminCreated = await this.users.bootstrapAdmin(this.config.bootstrapAdmin);
      await this.clusterMap.init();
      if (adminCreated && this.clusterMap.currentMap().users?.[this.config.bootstrapAdmin?.username ?? ''] === undefined) {
        await this.clusterMap.publish('bootstrap admin created');
      }
      if (await this.rings.afterMembershipChange()) await this.clusterMap.publish('rings built at start');
    });
    this.scheduler.start();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`shutting down${signal ? ` (${signal})` : ''}`);
    this.scheduler.stop();
    await this.polling.idle();
    await this.pusher.drain(SHUTDOWN_PUSH_WAIT_MS);
  }

  onApplicationShutdown(): void {
    this.logger.log('stopped');
  }
}
