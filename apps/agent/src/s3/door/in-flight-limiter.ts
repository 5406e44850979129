/**
 * Counts one account's S3 requests in flight at this agent; at the limit the
 * next is refused at once, never queued (the S3 door's copy of the user
 * API's per-user bound, issue 13 point 8: one user's flood cannot take every
 * peer connection or backend slot from the others).
 */
export class InFlightLimiter {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly max: number) {}

  /** A release function (idempotent), or undefined when the account is at the limit. */
  tryAcquire(account: string): (() => void) | undefined {
    const n = this.inFlight.get(account) ?? 0;
    if (n >= this.max) return undefined;
    this.inFlight.set(account, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(account) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(account);
      else this.inFlight.set(account, left);
    };
  }

  inFlightOf(account: string): number {
    return this.inFlight.get(account) ?? 0;
  }
}
