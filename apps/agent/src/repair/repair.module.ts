import { Module } from '@nestjs/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { AgentConfig } from '../config/agent-config';
import { IndexModule } from '../index/index.module';
import { PeersModule } from '../peers/peers.module';
import { PlacementModule } from '../placement/placement.module';
import { ReplicasModule } from '../replicas/replicas.module';
import { StorageModule } from '../storage/storage.module';
import { AUDITOR_SETTINGS, Auditor, AuditorSettings } from './auditor';
import { BackgroundWorkService } from './background-work.service';
import { CorruptReplicaReporter } from './corrupt-replica-reporter';
import { BackgroundProgressTracker } from './progress';
import { REPLICATOR_SETTINGS, Replicator, ReplicatorSettings } from './replicator';

/**
 * Background repair: the replicator (handoffs home, W < R writes completed,
 * migrations, tombstone reclaim), the auditor (MD5 of every replica,
 * quarantine and restore), their timers and progress counters, and where the
 * read path reports a corrupt replica.
 */
@Module({
  imports: [StorageModule, IndexModule, ClusterMapModule, PeersModule, PlacementModule, ReplicasModule],
  providers: [
    {
      provide: REPLICATOR_SETTINGS,
      useFactory: ({ replication }: AgentConfig): ReplicatorSettings => ({
        objectsPerSecond: replication.objectsPerSecond,
        batchSize: replication.batchSize,
        tombstoneRetentionMs: replication.tombstoneRetentionSeconds * 1000,
      }),
      inject: [AgentConfig],
    },
    {
      provide: AUDITOR_SETTINGS,
      useFactory: ({ audit }: AgentConfig): AuditorSettings => ({ bytesPerSecond: audit.bytesPerSecond }),
      inject: [AgentConfig],
    },
    BackgroundProgressTracker,
    Replicator,
    Auditor,
    CorruptReplicaReporter,
    BackgroundWorkService,
  ],
  exports: [BackgroundWorkService, CorruptReplicaReporter, BackgroundProgressTracker],
})
export class RepairModule {}
