import { Injectable } from '@nestjs/common';

/**
 * Serialises the operations that change cluster state (registrations, status
 * changes, options, rings), so a version bump always sees the effect of the
 * change before it. Only entry points take the lock; what they call runs
 * inside it and must not take it again.
 */
@Injectable()
export class ClusterLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
