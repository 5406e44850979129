import { Module } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { AgentConfig } from '../config/agent-config';
import { StorageModule } from '../storage/storage.module';
import { IndexRebuilder } from './index-rebuilder';
import { ObjectIndexRepository } from './object-index.repository';

/** The local index (sqlite under the data dir) and its rebuild from a backend scan. */
@Module({
  imports: [StorageModule],
  providers: [
    {
      provide: ObjectIndexRepository,
      useFactory: (config: AgentConfig) => new ObjectIndexRepository(join(resolve(config.dataDir), 'index.sqlite')),
      inject: [AgentConfig],
    },
    IndexRebuilder,
  ],
  exports: [ObjectIndexRepository, IndexRebuilder],
})
export class IndexModule {}
