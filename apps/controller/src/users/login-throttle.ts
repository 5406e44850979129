import { Clock, TooManyRequestsError } from '@mcos/common';

export interface LoginThrottleOptions {
  /** Failed logins of one username from one address allowed before that pair must wait. */
  freeFailures: number;
  /** Wait after the first failure beyond the free ones; doubles with each further failure. */
  baseDelayMs: number;
  /** Longest wait: it bounds how long anyone can be kept out at a time. */
  maxDelayMs: number;
  /** Failures are forgotten after this long without one. */
  forgetAfterMs: number;
  /** Entries tracked at most per kind (pair, address, username): memory stays bounded under a spray. */
  maxTracked: number;
  /** Failed logins from one address (any usernames) before that address must wait. */
  freeFailuresPerAddress: number;
  /**
   * Failed logins of one username from all addresses before the username
   * waits too (a guesser spreading over many addresses) — except for
   * addresses the user logged in from lately, so the guesser cannot lock the
   * real user out.
   */
  freeFailuresPerUsername: number;
  /** How long an address stays known-good for a user after a successful login. */
  trustedAddressMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  freeFailures: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  forgetAfterMs: 15 * 60_000,
  maxTracked: 10_000,
  freeFailuresPerAddress: 20,
  freeFailuresPerUsername: 50,
  trustedAddressMs: 30 * 24 * 3600_000,
};

interface Failures {
  count: number;
  lastAt: number;
  lockedUntil: number;
}

/**
 * Failure records of one kind, bounded. When full, the least useful tenth
 * is forgotten: records whose failures are fewest (a spray of one guess per
 * name), oldest first among equals — never a target with many failures
 * because many other names came after it.
 */
export class FailureTable {
  private readonly records = new Map<string, Failures>();

  constructor(
    private readonly clock: Clock,
    private readonly freeFailures: number,
    private readonly options: Pick<LoginThrottleOptions, 'baseDelayMs' | 'maxDelayMs' | 'forgetAfterMs' | 'maxTracked'>,
  ) {}

  get size(): number {
    return this.records.size;
  }

  /** ms still to wait for `key` (0 = free). */
  waitMs(key: string): number {
    const f = this.current(key);
    return f ? Math.max(0, f.lockedUntil - this.clock.now()) : 0;
  }

  failed(key: string): void {
    const now = this.clock.now();
    const count = (this.current(key)?.count ?? 0) + 1;
    const over = count - this.freeFailures + 1; // 1 on the last free failure: the next attempt waits
    const delay = over > 0 ? Math.min(this.options.baseDelayMs * 2 ** Math.min(over - 1, 30), this.options.maxDelayMs) : 0;
    this.records.delete(key);
    this.records.set(key, { count, lastAt: now, lockedUntil: now + delay });
    if (this.records.size > this.options.maxTracked) this.evict(now);
  }

  clear(key: string): void {
    this.records.delete(key);
  }

  count(key: string): number {
    return this.current(key)?.count ?? 0;
  }

  private current(key: string): Failures | undefined {
    const f = this.records.get(key);
    if (f && this.clock.now() - f.lastAt > this.options.forgetAfterMs) {
      this.records.delete(key);
      return undefined;
    }
    return f;
  }

  /** Forgets expired records, then the least useful tenth (fewest failures, then least recent). */
  private evict(now: number): void {
    for (const [key, f] of this.records) if (now - f.lastAt > this.options.forgetAfterMs) this.records.delete(key);
    const excess = this.records.size - this.options.maxTracked;
    if (excess <= 0) return;
    const drop = Math.max(excess, Math.ceil(this.options.maxTracked / 10));
    // The Map's order is least recently failed first, so a stable sort by count keeps that order among equals.
    const victims = [...this.records.entries()].sort((a, b) => a[1].count - b[1].count).slice(0, drop);
    for (const [key] of victims) this.records.delete(key);
  }
}

/**
 * Slows down password guessing before any scrypt work, on three counts:
 * - per username and source address: after `freeFailures` failures the pair
 *   waits `baseDelayMs`, doubling up to `maxDelayMs`; a success clears it;
 * - per source address, whatever the usernames: a spray from one address
 *   waits the same way after `freeFailuresPerAddress`;
 * - per username, whatever the addresses: after `freeFailuresPerUsername`
 *   (a guesser with many addresses) the username waits too, but not for an
 *   address that logged in as that user within `trustedAddressMs`, so a
 *   guesser cannot keep the real user out, and never longer than
 *   `maxDelayMs` at a time for anyone else.
 *
 * The controller sees the agents' addresses for logins forwarded by agents;
 * an agent therefore names the user's address in its forwarded login, and
 * the controller believes it only with the agent's valid assertion.
 */
export class LoginThrottle {
  private readonly pairs: FailureTable;
  private readonly addresses: FailureTable;
  private readonly usernames: FailureTable;
  /** `username address` -> last successful login (ms), bounded like the tables. */
  private readonly trusted = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE,
  ) {
    this.pairs = new FailureTable(clock, options.freeFailures, options);
    this.addresses = new FailureTable(clock, options.freeFailuresPerAddress, options);
    this.usernames = new FailureTable(clock, options.freeFailuresPerUsername, options);
  }

  /** @throws TooManyRequestsError while this username from this address must wait. */
  check(username: string, address: string): void {
    const waits = [this.pairs.waitMs(pairKey(username, address)), this.addresses.waitMs(address)];
    if (!this.isTrusted(username, address)) waits.push(this.usernames.waitMs(username));
    const waitMs = Math.max(...waits);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new TooManyRequestsError(`too many failed logins for ${username}; try again in ${seconds} s`, waitMs / 1000);
    }
  }

  failed(username: string, address: string): void {
    this.pairs.failed(pairKey(username, address));
    this.addresses.failed(address);
    this.usernames.failed(username);
  }

  succeeded(username: string, address: string): void {
    this.pairs.clear(pairKey(username, address));
    this.trusted.delete(pairKey(username, address));
    this.trusted.set(pairKey(username, address), this.clock.now());
    if (this.trusted.size > this.options.maxTracked) this.trusted.delete(this.trusted.keys().next().value as string);
  }

  /** Records tracked, per kind. */
  get tracked(): { pairs: number; addresses: number; usernames: number } {
    return { pairs: this.pairs.size, addresses: this.addresses.size, usernames: this.usernames.size };
  }

  private isTrusted(username: string, address: string): boolean {
    const at = this.trusted.get(pairKey(username, address));
    return at !== undefined && this.clock.now() - at <= this.options.trustedAddressMs;
  }
}

function pairKey(username: string, address: string): string {
  // A space cannot appear in a username, so the key is unambiguous.
  return `${username} ${address}`;
}
