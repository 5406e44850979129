/**
 * What this agent has learnt about reaching its peers: the last measured
 * round-trip time of each, and which ones failed recently. A peer that failed
 * is skipped as a write target for `downForMs` (its writes go to handoffs),
 * and sorted last for reads, so one dead agent costs one timeout, not one per
 * request. Plain state, no I/O: the probe loop and the data path feed it.
 */
export class PeerHealth {
  private readonly rttMs = new Map<string, number>();
  private readonly downUntil = new Map<string, number>();
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly downForMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  recordRtt(peer: string, ms: number): void {
    const previous = this.rttMs.get(peer);
    // Smooth a little: one slow probe should not reorder every read.
    this.rttMs.set(peer, previous === undefined ? ms : previous * 0.7 + ms * 0.3);
    this.recordSuccess(peer);
  }

  recordSuccess(peer: string): void {
    this.downUntil.delete(peer);
    this.lastSeen.set(peer, this.now());
  }

  /** Answered within the last `withinMs` (a peer the controller may not have seen back yet). */
  seenWithin(peer: string, withinMs: number): boolean {
    const at = this.lastSeen.get(peer);
    return at !== undefined && this.now() - at <= withinMs;
  }

  recordFailure(peer: string): void {
    this.downUntil.set(peer, this.now() + this.downForMs);
  }

  isDown(peer: string): boolean {
    const until = this.downUntil.get(peer);
    return until !== undefined && until > this.now();
  }

  /** Measured RTT, Infinity when never measured. */
  distance(peer: string): number {
    return this.rttMs.get(peer) ?? Infinity;
  }

  distances(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [peer, ms] of this.rttMs) out[peer] = Math.round(ms * 1000) / 1000;
    return out;
  }

  forget(peer: string): void {
    this.rttMs.delete(peer);
    this.downUntil.delete(peer);
    this.lastSeen.delete(peer);
  }
}
