import { BadRequestError } from '@mcos/common';
import { formatTimestamp, MAX_COUNTER, parseTimestamp, PATTERN_OF_TIMESTAMP, Timestamp } from './timestamp';

/** Wall-clock source; injected so tests can drive time. */
export abstract class WallClock {
  abstract now(): number;
}

export class SystemWallClock extends WallClock {
  now(): number {
    return Date.now();
  }
}

/** A timestamp from outside that is malformed or too far ahead of this agent's wall clock (400). */
export class ClockSkewError extends BadRequestError {}

/** 16 + 1 + 6 + 1 + a service name (an identifier, at most 63 characters). */
const MAX_TIMESTAMP_LENGTH = 87;

/** How far ahead of the wall clock a timestamp from outside may be, unless configured (`maxClockSkewMs`). */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Hybrid logical clock. Each call returns a timestamp strictly greater than
 * every timestamp this clock issued or observed, and close to wall time, so
 * "last writer wins" orders writes the way users expect even when agents'
 * clocks drift a little, and never lets a write be ordered before one that
 * causally preceded it at this agent.
 *
 * Timestamps from outside (a peer's replica write) are checked before they
 * are observed: one more than `maxSkewMs` ahead of this agent's wall clock is
 * refused and the clock does not move. Without that bound one far-future
 * timestamp froze the clock there, so every later write of every key lost to
 * it and timestamps grew past what a Date can show (issue 13, point 4).
 */
export class HybridClock {
  private lastMs = 0;
  private counter = 0;

  constructor(
    private readonly serviceId: string,
    private readonly wall: WallClock = new SystemWallClock(),
    readonly maxSkewMs: number = DEFAULT_MAX_CLOCK_SKEW_MS,
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

  /**
   * Throws ClockSkewError unless `ts` is a well-formed timestamp at most
   * `maxSkewMs` ahead of the wall clock. Use it on every timestamp that comes
   * from outside, whether or not it is then observed.
   */
  check(ts: unknown): asserts ts is Timestamp {
    if (typeof ts !== 'string' || ts.length > MAX_TIMESTAMP_LENGTH || !PATTERN_OF_TIMESTAMP.test(ts)) throw new ClockSkewError('timestamp must be an MCOS timestamp');
    const { ms } = parseTimestamp(ts);
    const limit = this.wall.now() + this.maxSkewMs;
    if (ms > limit) {
      throw new ClockSkewError(`timestamp ${ts} is ${ms - limit + this.maxSkewMs} ms ahead of this agent's clock; at most ${this.maxSkewMs} ms is accepted`);
    }
  }

  /**
   * Merges a timestamp seen from elsewhere (a peer's write), so ours sort
   * after it. @throws ClockSkewError (and the clock does not move) when it is
   * malformed or too far ahead; see check().
   */
  observe(ts: Timestamp): void {
    this.check(ts);
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
