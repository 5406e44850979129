import { Module } from '@nestjs/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { RingsModule } from '../rings/rings.module';
import { ClusterProgressController } from './cluster-progress.controller';
import { RegistryService } from './registry.service';
import { ServicesController } from './services.controller';

@Module({
  imports: [RingsModule, ClusterMapModule],
  controllers: [ServicesController, ClusterProgressController],
  providers: [RegistryService],
  exports: [RegistryService],
})
export class RegistryModule {}
