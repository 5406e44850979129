import { Module } from '@nestjs/common';
import { ClockModule } from '../clock/clock.module';
import { AuthModule } from '../auth/auth.module';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { IndexModule } from '../index/index.module';
import { ReplicasModule } from '../replicas/replicas.module';
import { StreamsModule } from '../streams/streams.module';
import { PeerHttpAdapter } from './peer-http.adapter';
import { PeerController } from './peer.controller';

/** The door other agents use (`/v1/peer`): this agent's replicas and index, behind peer assertions. */
@Module({
  imports: [AuthModule, ClockModule, ClusterMapModule, IndexModule, ReplicasModule, StreamsModule],
  controllers: [PeerController],
  providers: [PeerHttpAdapter],
})
export class PeerApiModule {}
