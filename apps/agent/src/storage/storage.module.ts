import { Module } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { createBackend, ObjectBackend } from '@mcos/backends';
import { AgentConfig } from '../config/agent-config';

/** This agent's backend, the driver chosen from the validated config (fs by default, under `<dataDir>/objects`). */
@Module({
  providers: [
    {
      provide: ObjectBackend,
      useFactory: (config: AgentConfig) => createBackend(config.backend.toBackendConfig(join(resolve(config.dataDir), 'objects'))),
      inject: [AgentConfig],
    },
  ],
  exports: [ObjectBackend],
})
export class StorageModule {}
