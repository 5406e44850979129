import { Module } from '@nestjs/common';
import { AgentConfig } from '../config/agent-config';
import { AgentIdentity } from '../config/agent-identity';
import { HybridClock, SystemWallClock } from './hybrid-clock';

/** The hybrid clock that timestamps every write made at this agent, with the configured bound on peers' clocks. */
@Module({
  providers: [
    {
      provide: HybridClock,
      useFactory: (identity: AgentIdentity, config: AgentConfig) => new HybridClock(identity.name, new SystemWallClock(), config.maxClockSkewMs),
      inject: [AgentIdentity, AgentConfig],
    },
  ],
  exports: [HybridClock],
})
export class ClockModule {}
