import { type Clock, TooManyRequestsError } from '@mcos/common';

export interface KeyChangeThrottleSettings {
  /** Changes (creates and revokes) a user may make per window. */
  changes: number;
  windowMs: number;
  /** Users tracked at once; when full, the oldest window goes first. */
  maxUsers: number;
}

export const DEFAULT_KEY_CHANGE_THROTTLE: KeyChangeThrottleSettings = { changes: 20, windowMs: 60_000, maxUsers: 10_000 };

/**
 * Every key change publishes a cluster map that every agent receives and
 * follows with a fetch, so a user creating and revoking keys in a loop would
 * make the whole cluster churn. Users' own changes are counted per user in
 * fixed windows (in memory: a restart forgets them, which only ever lets a
 * user do more, never less); admins' changes are not.
 */
export class KeyChangeThrottle {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: KeyChangeThrottleSettings = DEFAULT_KEY_CHANGE_THROTTLE,
  ) {}

  /** Counts one change by `username`. @throws TooManyRequestsError beyond the allowance (nothing counted). */
  take(username: string): void {
    const now = this.clock.now();
    let window = this.windows.get(username);
    if (!window || now - window.start >= this.settings.windowMs) {
      this.windows.delete(username);
      if (this.windows.size >= this.settings.maxUsers) this.windows.delete(this.windows.keys().next().value as string);
      window = { start: now, count: 0 };
      this.windows.set(username, window);
    }
    if (window.count >= this.settings.changes) {
      const retryAfterSeconds = Math.max(1, Math.ceil((window.start + this.settings.windowMs - now) / 1000));
      throw new TooManyRequestsError(`at most ${this.settings.changes} access key changes per ${Math.round(this.settings.windowMs / 1000)} s; try again in ${retryAfterSeconds} s`, retryAfterSeconds);
    }
    window.count++;
  }
}
