import { Module } from '@nestjs/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { PlacementService } from './placement.service';

/** Where keys belong, and the plans to write and read them. */
@Module({
  imports: [ClusterMapModule],
  providers: [PlacementService],
  exports: [PlacementService],
})
export class PlacementModule {}
