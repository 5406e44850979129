import { Injectable } from '@nestjs/common';
import type { BackgroundProgress } from '@mcos/common';

/**
 * Counters of the background work, reported to the controller on every
 * poll. Counters only grow; `remainingByOption` and `oldestUnreplicatedMs`
 * are those of the last complete replication pass.
 */
@Injectable()
export class BackgroundProgressTracker {
  private readonly counters = { scanned: 0, pushed: 0, moved: 0, deleted: 0, corrupt: 0, failures: 0 };
  private remainingByOption: Record<string, number> = {};
  private oldestUnreplicatedMs = 0;
  private lastPassAt?: number;

  count(name: keyof BackgroundProgressTracker['counters'], by = 1): void {
    this.counters[name] += by;
  }

  passDone(remainingByOption: Record<string, number>, oldestUnreplicatedMs: number, at: number): void {
    this.remainingByOption = remainingByOption;
    this.oldestUnreplicatedMs = oldestUnreplicatedMs;
    this.lastPassAt = at;
  }

  snapshot(): BackgroundProgress {
    return {
      ...this.counters,
      oldestUnreplicatedMs: this.oldestUnreplicatedMs,
      remainingByOption: { ...this.remainingByOption },
      lastPassAt: this.lastPassAt,
    };
  }
}
