import { Module } from '@nestjs/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { AssertionCheck, ControllerOnlyGuard, PeerOnlyGuard } from './service-assertion.guard';
import { UserAuthGuard } from './user-auth.guard';

/** Who may call this agent: the controller and peers (service assertions), users (bearer tokens). */
@Module({
  imports: [ClusterMapModule],
  providers: [AssertionCheck, ControllerOnlyGuard, PeerOnlyGuard, UserAuthGuard],
  exports: [AssertionCheck, ControllerOnlyGuard, PeerOnlyGuard, UserAuthGuard],
})
export class AuthModule {}
