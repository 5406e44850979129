/**
 * Wall-clock time, injected so that services stay testable. Used as the Nest
 * DI token too (an abstract class survives compilation, an interface does not).
 */
export abstract class Clock {
  /** Milliseconds since the epoch. */
  abstract now(): number;
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that moves only when told to; for tests. */
export class ManualClock extends Clock {
  constructor(private current = 1_700_000_000_000) {
    super();
  }

  now(): number {
    return this.current;
  }

  set(ms: number): void {
    this.current = ms;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
