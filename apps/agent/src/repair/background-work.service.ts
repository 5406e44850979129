import { Injectable, Logger } from '@nestjs/common';
import { AgentConfig } from '../config/agent-config';
import { Auditor } from './auditor';
import { Replicator } from './replicator';

/**
 * Runs the replicator and the auditor on their own timers, one pass at a
 * time each. Thin by design: the passes are plain methods that tests call
 * directly.
 */
@Injectable()
export class BackgroundWorkService {
  private readonly logger = new Logger(BackgroundWorkService.name);
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = true;
  /** Passes of modules above this one (e.g. the multipart GC), started with the others. */
  private readonly extra: { name: string; intervalMs: number; pass: () => Promise<void> }[] = [];

  constructor(
    private readonly config: AgentConfig,
    private readonly replicator: Replicator,
    private readonly auditor: Auditor,
  ) {}

  start(): void {
    this.stopped = false;
    this.loop('replication', this.config.replication.intervalMs, async () => {
      const r = await this.replicator.runPass();
      if (r.pushed || r.moved || r.reclaimed || r.failures) {
        this.logger.log(`replication pass: ${r.scanned} scanned, ${r.pushed} pushed, ${r.moved} moved, ${r.reclaimed} tombstones reclaimed, ${r.failures} failures`);
      }
    });
    this.loop('audit', this.config.audit.intervalMs, async () => {
      const r = await this.auditor.runPass();
      if (r.corrupt) this.logger.warn(`audit pass: ${r.audited} replicas checked, ${r.corrupt} corrupt, ${r.repaired} repaired`);
    });
    for (const e of this.extra) this.loop(e.name, e.intervalMs, e.pass);
  }

  /**
   * Adds a background pass run like the replicator and the auditor (one at
   * a time, every `intervalMs`, from start() to stop()). Modules above
   * repair/ register theirs here, so repair/ never imports them.
   */
  register(name: string, intervalMs: number, pass: () => Promise<void>): void {
    this.extra.push({ name, intervalMs, pass });
    if (!this.stopped) this.loop(name, intervalMs, pass);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private loop(name: string, intervalMs: number, pass: () => Promise<void>): void {
    const run = async () => {
      if (this.stopped) return;
      try {
        await pass();
      } catch (err) {
        this.logger.warn(`${name} pass failed: ${(err as Error).message}`);
      }
      if (this.stopped) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        void run();
      }, intervalMs);
      this.timers.add(t);
    };
    const first = setTimeout(() => void run(), intervalMs);
    this.timers.add(first);
  }
}
