import { Module } from '@nestjs/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { RegistryModule } from '../registry/registry.module';
import { PollingScheduler } from './polling.scheduler';
import { PollingService } from './polling.service';

@Module({
  imports: [RegistryModule, ClusterMapModule],
  providers: [PollingService, PollingScheduler],
  exports: [PollingService, PollingScheduler],
})
export class PollingModule {}
