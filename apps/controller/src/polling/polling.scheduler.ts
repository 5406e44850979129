import { Injectable, Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ControllerConfig } from '../config/controller-config';
import { PollingService } from './polling.service';

export const POLL_INTERVAL_NAME = 'poll-agents';

/** The thin trigger: calls PollingService.pollOnce every `pollIntervalMs`. */
@Injectable()
export class PollingScheduler {
  private readonly logger = new Logger(PollingScheduler.name);

  constructor(
    private readonly scheduler: SchedulerRegistry,
    private readonly polling: PollingService,
    private readonly config: ControllerConfig,
  ) {}

  start(): void {
    if (this.scheduler.doesExist('interval', POLL_INTERVAL_NAME)) return;
    const interval = setInterval(() => {
      this.polling.pollOnce().catch((error: unknown) => this.logger.error(`poll round failed: ${(error as Error).message}`, (error as Error).stack));
    }, this.config.pollIntervalMs);
    this.scheduler.addInterval(POLL_INTERVAL_NAME, interval);
    this.logger.log(`polling agents every ${this.config.pollIntervalMs} ms (DISCONNECTED after ${this.config.missThreshold} misses)`);
  }

  stop(): void {
    if (this.scheduler.doesExist('interval', POLL_INTERVAL_NAME)) this.scheduler.deleteInterval(POLL_INTERVAL_NAME);
  }
}
