/*
 * One bound for every door (issue 13, point 8): a user's requests in flight at
 * this agent count together whether they came through /v1 or S3, so using both
 * doors does not double what one user may hold.
 */

/** Counts requests in flight per user; a user at the limit is refused, never queued. */
export class PerUserLimiter {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly max: number) {}

  /** A release function, or undefined when the user is at the limit. */
  tryAcquire(user: string): (() => void) | undefined {
    const n = this.inFlight.get(user) ?? 0;
    if (n >= this.max) return undefined;
    this.inFlight.set(user, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(user) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(user);
      else this.inFlight.set(user, left);
    };
  }

  inFlightOf(user: string): number {
    return this.inFlight.get(user) ?? 0;
  }
}
