import { formatTimestamp, MAX_COUNTER, parseTimestamp, Timestamp } from './timestamp';

/** Wall-clock source; injected so tests can drive time. */
export abstract class WallClock {
  abstract now(): number;
}

export class SystemWallClock extends WallClock {
  now(): number {
    return Date.now();
  }
}

/**
 * Hybrid logical clock. Each call returns a timestamp strictly greater than
 * every timestamp this clock issued or observed, and close to wall time, so
 * "last writer wins" orders writes the way users expect even when agents'
 * clocks drift a little, and never lets a write be ordered before one that
 * causally preceded it at this agent.
 */
export class HybridClock {
  private lastMs = 0;
  private counter = 0;

  constructor(
    private readonly serviceId: string,
    private readonly wall: WallClock = new SystemWallClock(),
  ) {
    if (!serviceId || /\s/.test(serviceId)) throw new Error('service id must be non-empty without spaces');
  }

  now(): Timestamp {
    const wall = this.wall.now();
    if (wall > this.lastMs) {
      this.lastMs = wall;
      this.counter = 0;
    } else {
      this.advanceCounter();
    }
    return formatTimestamp({ ms: this.lastMs, counter: this.counter, serviceId: this.serviceId });
  }

  /** Merges a timestamp seen from elsewhere (a peer's write), so ours sort after it. */
  observe(ts: Timestamp): void {
    const seen = parseTimestamp(ts);
    if (seen.ms > this.lastMs) {
      this.lastMs = seen.ms;
      this.counter = seen.counter;
    } else if (seen.ms === this.lastMs && seen.counter > this.counter) {
      this.counter = seen.counter;
    }
  }

  private advanceCounter(): void {
    if (this.counter < MAX_COUNTER) {
      this.counter++;
    } else {
      // A million events in one millisecond: borrow the next millisecond.
      this.lastMs++;
      this.counter = 0;
    }
  }
}
