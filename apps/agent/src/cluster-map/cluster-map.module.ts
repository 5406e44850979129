import { Module } from '@nestjs/common';
import { resolve } from 'node:path';
import { AgentConfig } from '../config/agent-config';
import { ClusterCredential } from './cluster-credential';
import { ClusterMapService } from './cluster-map.service';
import { ClusterStateStore } from './cluster-state.store';

/** The cluster map this agent holds (rings decoded), and what it persists to survive a restart. */
@Module({
  providers: [
    { provide: ClusterStateStore, useFactory: (config: AgentConfig) => new ClusterStateStore(resolve(config.dataDir)), inject: [AgentConfig] },
    ClusterCredential,
    ClusterMapService,
  ],
  exports: [ClusterMapService, ClusterCredential, ClusterStateStore],
})
export class ClusterMapModule {}
