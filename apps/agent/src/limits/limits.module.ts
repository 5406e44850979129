import { Module } from '@nestjs/common';
import { AgentConfig } from '../config/agent-config';
import { PerUserLimiter } from './per-user-limiter';

/** The per-user in-flight bound shared by the /v1 and S3 doors (`http.maxRequestsPerUser`). */
@Module({
  providers: [{ provide: PerUserLimiter, useFactory: (config: AgentConfig) => new PerUserLimiter(config.http.maxRequestsPerUser), inject: [AgentConfig] }],
  exports: [PerUserLimiter],
})
export class LimitsModule {}
