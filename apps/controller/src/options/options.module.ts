import { Module } from '@nestjs/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { RingsModule } from '../rings/rings.module';
import { OptionsController } from './options.controller';
import { OptionsService } from './options.service';

@Module({
  imports: [RingsModule, ClusterMapModule],
  controllers: [OptionsController],
  providers: [OptionsService],
  exports: [OptionsService],
})
export class OptionsModule {}
