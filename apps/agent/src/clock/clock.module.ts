import { Module } from '@nestjs/common';
import { AgentIdentity } from '../config/agent-identity';
import { HybridClock } from './hybrid-clock';

/** The hybrid clock that timestamps every write made at this agent. */
@Module({
  providers: [{ provide: HybridClock, useFactory: (identity: AgentIdentity) => new HybridClock(identity.name), inject: [AgentIdentity] }],
  exports: [HybridClock],
})
export class ClockModule {}
