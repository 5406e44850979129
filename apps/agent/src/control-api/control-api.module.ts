import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { IndexModule } from '../index/index.module';
import { PeersModule } from '../peers/peers.module';
import { RepairModule } from '../repair/repair.module';
import { StorageModule } from '../storage/storage.module';
import { AgentStatusService } from './agent-status.service';
import { ControlApiController } from './control-api.controller';

/** The controller-facing door (`/v1/agent`): health for polls, cluster map pushes. */
@Module({
  imports: [AuthModule, StorageModule, IndexModule, ClusterMapModule, PeersModule, RepairModule],
  controllers: [ControlApiController],
  providers: [AgentStatusService],
})
export class ControlApiModule {}
