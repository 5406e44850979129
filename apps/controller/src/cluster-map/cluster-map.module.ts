import { Module } from '@nestjs/common';
import { KeyRotationService } from './key-rotation.service';
import { AgentClient } from './agent.client';
import { ClusterMapController } from './cluster-map.controller';
import { ClusterMapService } from './cluster-map.service';
import { KeysController } from './keys.controller';
import { MapPusher } from './map-pusher';

@Module({
  controllers: [ClusterMapController, KeysController],
  providers: [AgentClient, MapPusher, ClusterMapService, KeyRotationService],
  exports: [AgentClient, MapPusher, ClusterMapService],
})
export class ClusterMapModule {}
