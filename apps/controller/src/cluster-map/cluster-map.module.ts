import { Module } from '@nestjs/common';
import { AgentClient } from './agent.client';
import { ClusterMapController } from './cluster-map.controller';
import { ClusterMapService } from './cluster-map.service';
import { MapPusher } from './map-pusher';

@Module({
  controllers: [ClusterMapController],
  providers: [AgentClient, MapPusher, ClusterMapService],
  exports: [AgentClient, MapPusher, ClusterMapService],
})
export class ClusterMapModule {}
