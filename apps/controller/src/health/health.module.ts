import { Module } from '@nestjs/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  imports: [ClusterMapModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
