import { Module } from '@nestjs/common';
import { resolve } from 'node:path';
import { Clock, loadOrCreateIdentityKey } from '@mcos/common';
import { AgentConfig } from '../config/agent-config';
import { AgentCredentials } from './agent-credentials';
import { ClusterMapService } from './cluster-map.service';
import { ClusterStateStore } from './cluster-state.store';

/** The cluster map this agent holds (verified, rings decoded), this agent's own key, and what it persists to survive a restart. */
@Module({
  providers: [
    { provide: ClusterStateStore, useFactory: (config: AgentConfig) => new ClusterStateStore(resolve(config.dataDir)), inject: [AgentConfig] },
    {
      provide: AgentCredentials,
      useFactory: async (config: AgentConfig, clock: Clock) => new AgentCredentials(config.name, await loadOrCreateIdentityKey(resolve(config.dataDir)), clock),
      inject: [AgentConfig, Clock],
    },
    ClusterMapService,
  ],
  exports: [ClusterMapService, AgentCredentials, ClusterStateStore],
})
export class ClusterMapModule {}
