import { Module } from '@nestjs/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { PeersModule } from '../peers/peers.module';
import { StorageModule } from '../storage/storage.module';
import { MembershipService } from './membership.service';

/** The agent's life in the cluster: resume, register, probe peers, pull newer maps, deregister. */
@Module({
  imports: [StorageModule, ClusterMapModule, ControllerClientModule, PeersModule],
  providers: [MembershipService],
  exports: [MembershipService],
})
export class MembershipModule {}
