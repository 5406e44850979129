import { DynamicModule, Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from '@mcos/common';
import { AgentConfig } from './agent-config';
import { AgentIdentity } from './agent-identity';

/**
 * The validated config, who this agent is, and the wall clock, available to
 * every module. Each feature module derives its own small settings object
 * from AgentConfig under a typed token.
 */
@Global()
@Module({})
export class AgentConfigModule {
  static forRoot(config: AgentConfig): DynamicModule {
    return {
      module: AgentConfigModule,
      providers: [
        { provide: AgentConfig, useValue: config },
        { provide: AgentIdentity, useValue: new AgentIdentity(config.name, config.region, config.url) },
        { provide: Clock, useClass: SystemClock },
      ],
      exports: [AgentConfig, AgentIdentity, Clock],
    };
  }
}
