import { Module } from '@nestjs/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { RingBuilderService } from './ring-builder.service';
import { RingsController } from './rings.controller';
import { RingsService } from './rings.service';

@Module({
  imports: [ClusterMapModule],
  controllers: [RingsController],
  providers: [RingBuilderService, RingsService],
  exports: [RingsService],
})
export class RingsModule {}
