import { Module } from '@nestjs/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { AgentConfig } from '../config/agent-config';
import { IndexModule } from '../index/index.module';
import { PeersModule } from '../peers/peers.module';
import { StorageModule } from '../storage/storage.module';
import { StreamsModule } from '../streams/streams.module';
import { LocalReplicaTarget } from './local-replica.target';
import { ReplicaWriter } from './replica-writer';
import { ReplicatedStore } from './replicated-store';
import { TARGET_REGISTRY_SETTINGS, TargetRegistry, TargetRegistrySettings } from './target-registry';

/**
 * Replicated reads and writes of one key over a set of services
 * (ReplicatedStore, ReplicaWriter), and the replica holders they talk to:
 * this agent's backend (LocalReplicaTarget) and peers (PeerReplicaTarget),
 * looked up by name in the TargetRegistry.
 */
@Module({
  imports: [StorageModule, IndexModule, ClusterMapModule, PeersModule, StreamsModule],
  providers: [
    {
      provide: TARGET_REGISTRY_SETTINGS,
      // A DISCONNECTED peer counts as reachable while this agent's probes saw it in the last three rounds.
      useFactory: (config: AgentConfig): TargetRegistrySettings => ({ peerSeenWithinMs: 3 * config.peerProbeIntervalMs }),
      inject: [AgentConfig],
    },
    LocalReplicaTarget,
    TargetRegistry,
    ReplicaWriter,
    ReplicatedStore,
  ],
  exports: [ReplicatedStore, TargetRegistry, LocalReplicaTarget],
})
export class ReplicasModule {}
