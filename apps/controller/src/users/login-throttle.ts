import { Clock, TooManyRequestsError } from '@mcos/common';

export interface LoginThrottleOptions {
  /** Failed logins of one username allowed before it must wait. */
  freeFailures: number;
  /** Wait after the first failure beyond the free ones; doubles with each further failure. */
  baseDelayMs: number;
  /** Longest wait: it bounds how long a guesser can lock a user out. */
  maxDelayMs: number;
  /** A username's failures are forgotten after this long without one. */
  forgetAfterMs: number;
  /** Usernames tracked at most (the oldest are forgotten first): memory stays bounded under a spray. */
  maxTracked: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  freeFailures: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  forgetAfterMs: 15 * 60_000,
  maxTracked: 10_000,
};

interface Failures {
  count: number;
  lastAt: number;
  lockedUntil: number;
}

/**
 * Slows down password guessing per username: after `freeFailures` failed
 * logins in a row, the next attempt must wait `baseDelayMs`, doubling with
 * every further failure up to `maxDelayMs`; a success clears the record.
 * While a name waits, attempts are refused before the password is hashed,
 * so a flood of guesses costs no scrypt time either.
 *
 * Per username and not per client address: agents forward every user's
 * login, so the controller sees the agents' addresses, not the users'. The
 * price is that a guesser can make a user wait, at most `maxDelayMs` at a
 * time — which is why the cap is short.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly clock: Clock,
    private readonly options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE,
  ) {}

  /** @throws TooManyRequestsError while `username` must wait. */
  check(username: string): void {
    const f = this.current(username);
    const waitMs = f ? f.lockedUntil - this.clock.now() : 0;
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new TooManyRequestsError(`too many failed logins for ${username}; try again in ${seconds} s`, waitMs / 1000);
    }
  }

  failed(username: string): void {
    const now = this.clock.now();
    const previous = this.current(username);
    const count = (previous?.count ?? 0) + 1;
    const over = count - this.options.freeFailures + 1; // 1 on the last free failure: the next attempt waits
    const delay = over > 0 ? Math.min(this.options.baseDelayMs * 2 ** (over - 1), this.options.maxDelayMs) : 0;
    // Re-inserted so that the Map's order is least recently failed first.
    this.failures.delete(username);
    this.failures.set(username, { count, lastAt: now, lockedUntil: now + delay });
    for (const oldest of this.failures.keys()) {
      if (this.failures.size <= this.options.maxTracked) break;
      this.failures.delete(oldest);
    }
  }

  succeeded(username: string): void {
    this.failures.delete(username);
  }

  /** Usernames with failures on record. */
  get tracked(): number {
    return this.failures.size;
  }

  private current(username: string): Failures | undefined {
    const f = this.failures.get(username);
    if (f && this.clock.now() - f.lastAt > this.options.forgetAfterMs) {
      this.failures.delete(username);
      return undefined;
    }
    return f;
  }
}
