import { describe, expect, it } from '@jest/globals';

import { mapLimited } from './map-limited';

/** A promise settled from outside, so a test decides when each call ends (no timers). */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(err: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('mapLimited', () => {
  it('never runs more than `limit` calls at once, and runs every item', async () => {
    const gates = Array.from({ length: 10 }, () => deferred<void>());
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const sut = mapLimited(gates, 3, async (gate, i) => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      await gate.promise;
      running--;
      return i;
    });
    await settle();
    expect(started).toEqual([0, 1, 2]);
    // Finish them out of order: each end lets exactly one more start.
    gates[1].resolve();
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.resolve();
    await expect(sut).resolves.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
    expect(started.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('returns the results in the order of the items, not of completion', async () => {
    const gates = ['a', 'b', 'c', 'd'].map((value) => ({ value, gate: deferred<void>() }));
    const sut = mapLimited(gates, 4, async ({ value, gate }) => {
      await gate.promise;
      return value.toUpperCase();
    });
    for (const g of [...gates].reverse()) {
      g.gate.resolve();
      await settle();
    }
    await expect(sut).resolves.toEqual(['A', 'B', 'C', 'D']);
  });

  it('resolves to [] for no items without calling fn', async () => {
    let calls = 0;
    await expect(
      mapLimited([], 4, async () => {
        calls++;
      }),
    ).resolves.toEqual([]);
    expect(calls).toBe(0);
  });

  it('rejects with the first error, starts nothing after it, and waits for the calls in flight', async () => {
    const gates = Array.from({ length: 6 }, () => deferred<void>());
    const started: number[] = [];
    const finished: number[] = [];
    const sut = mapLimited(gates, 2, async (gate, i) => {
      started.push(i);
      await gate.promise;
      finished.push(i);
    });
    let outcome: unknown;
    void sut.catch((err: unknown) => (outcome = err));
    await settle();
    gates[0].reject(new Error('first'));
    await settle();
    gates[1].reject(new Error('second'));
    await settle();
    expect(started).toEqual([0, 1]);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toBe('first');
    expect(finished).toEqual([]);
  });

  it('does not settle while a call started before the failure is still running', async () => {
    const slow = deferred<void>();
    let done = false;
    const sut = mapLimited([0, 1], 2, async (i) => {
      if (i === 0) throw new Error('boom');
      await slow.promise;
    }).catch((err: unknown) => {
      done = true;
      throw err;
    });
    await settle();
    expect(done).toBe(false);
    slow.resolve();
    await expect(sut).rejects.toThrow('boom');
  });

  it('also catches a synchronous throw of fn', async () => {
    const fn = ((i: number) => {
      if (i === 1) throw new Error('sync');
      return Promise.resolve(i);
    }) as (i: number) => Promise<number>;
    await expect(mapLimited([0, 1, 2], 1, fn)).rejects.toThrow('sync');
  });

  it('refuses a limit that is not a positive integer', async () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      await expect(mapLimited([1], limit, async (x) => x)).rejects.toBeInstanceOf(RangeError);
    }
  });
});
