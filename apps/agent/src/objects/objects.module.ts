import { Module } from '@nestjs/common';
import { ObjectBackend } from '@mcos/backends';
import { ClockModule } from '../clock/clock.module';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { AgentConfig } from '../config/agent-config';
import { IndexModule } from '../index/index.module';
import { PlacementModule } from '../placement/placement.module';
import { RepairModule } from '../repair/repair.module';
import { ReplicasModule } from '../replicas/replicas.module';
import { StorageModule } from '../storage/storage.module';
import { StreamsModule } from '../streams/streams.module';
import { ContainersService } from './containers.service';
import { ListingService } from './listing.service';
import { OBJECT_LIMITS, ObjectLimits, ObjectsService } from './objects.service';

/** The user's containers and objects, for every door (/v1 now, S3 next). */
@Module({
  imports: [ClusterMapModule, ClockModule, IndexModule, PlacementModule, ReplicasModule, RepairModule, StorageModule, StreamsModule],
  providers: [
    {
      provide: OBJECT_LIMITS,
      useFactory: (config: AgentConfig, backend: ObjectBackend): ObjectLimits => ({
        maxObjectBytes: config.maxObjectBytes,
        maxKeyBytes: backend.maxKeyBytes,
      }),
      inject: [AgentConfig, ObjectBackend],
    },
    ListingService,
    ContainersService,
    ObjectsService,
  ],
  exports: [ObjectsService, ContainersService],
})
export class ObjectsModule {}
