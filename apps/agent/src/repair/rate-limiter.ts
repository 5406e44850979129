/**
 * Paces background work to `perSecond` units (objects, bytes) on average,
 * by sleeping when ahead of schedule. Bursts are capped at one second of
 * work, so a pause does not earn a flood afterwards.
 */
export class RateLimiter {
  private allowance: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.allowance = perSecond;
    this.last = now();
  }

  async take(units: number): Promise<void> {
    const t = this.now();
    this.allowance = Math.min(this.perSecond, this.allowance + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    this.allowance -= units;
    if (this.allowance < 0) await this.sleep((-this.allowance / this.perSecond) * 1000);
  }
}
