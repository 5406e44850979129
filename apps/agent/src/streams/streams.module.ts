import { Module } from '@nestjs/common';
import { AgentConfig } from '../config/agent-config';
import { MD5_SOURCE } from './md5';
import { Md5Worker } from './md5-worker';

/**
 * MD5 of large bodies on a worker thread when `md5WorkerThread` is set
 * (terminated on shutdown by its onModuleDestroy), inline otherwise.
 */
@Module({
  providers: [
    { provide: Md5Worker, useFactory: (config: AgentConfig) => new Md5Worker(config.md5WorkerThread), inject: [AgentConfig] },
    { provide: MD5_SOURCE, useFactory: (worker: Md5Worker) => worker.source, inject: [Md5Worker] },
  ],
  exports: [Md5Worker, MD5_SOURCE],
})
export class StreamsModule {}
