import { describe, expect, it } from '@jest/globals';
import { ApiError, CliError } from '../errors/cli.error';
import { MAX_PARTS, MIN_PART_SIZE, planParts, slices } from './part-plan';
import { retryable, withRetries } from './retry';
import { runParallel } from './run-parallel';
import { parseParallel, parseSize } from './sizes';

const MiB = 1024 * 1024;

describe('sizes', () => {
  it.each([
    ['64MiB', 64 * MiB],
    ['16M', 16 * MiB],
    ['1.5GiB', 1.5 * 1024 * MiB],
    ['5000000', 5_000_000],
    ['10MB', 10_000_000],
    [' 8 mib ', 8 * MiB],
  ])('%s is %i bytes', (text, bytes) => expect(parseSize(text, '--part-size')).toBe(bytes));

  it.each(['', '0', '-5M', 'M', '12 parsecs', '1e9', '9'.repeat(30)])('refuses "%s" naming the option', (text) => {
    expect(() => parseSize(text, '--part-size')).toThrow(new CliError(`--part-size "${text}" is not a size`, 2));
  });

  it('--parallel is 1..32', () => {
    expect(parseParallel('8')).toBe(8);
    for (const bad of ['0', '33', '2.5', 'x', '']) expect(() => parseParallel(bad)).toThrow(CliError);
  });
});

describe('planParts', () => {
  it('cuts a file into parts of the size asked, the last one shorter, numbered from 1', () => {
    expect(planParts(40 * MiB + 3, 8 * MiB).map((s) => [s.number, s.offset, s.length])).toEqual([
      [1, 0, 8 * MiB],
      [2, 8 * MiB, 8 * MiB],
      [3, 16 * MiB, 8 * MiB],
      [4, 24 * MiB, 8 * MiB],
      [5, 32 * MiB, 8 * MiB],
      [6, 40 * MiB, 3],
    ]);
  });

  it('raises the part size to the next MiB when 10,000 parts would not hold the file', () => {
    const size = 100 * 1024 * MiB; // 100 GiB in 5 MiB parts would be 20,480 parts
    const plan = planParts(size, MIN_PART_SIZE);
    expect(plan.length).toBeLessThanOrEqual(MAX_PARTS);
    expect(plan[0].length % MiB).toBe(0);
    expect(plan.reduce((n, s) => n + s.length, 0)).toBe(size);
  });

  it('refuses parts under 5 MiB or over 5 GiB', () => {
    expect(() => planParts(100 * MiB, MIN_PART_SIZE - 1)).toThrow(/5 MiB to 5 GiB/);
    expect(() => planParts(100 * MiB, 5 * 1024 * MiB + 1)).toThrow(/5 MiB to 5 GiB/);
  });

  it('slices of an exact multiple end on the boundary; no slice for 0 bytes', () => {
    expect(slices(8, 4)).toEqual([
      { number: 1, offset: 0, length: 4 },
      { number: 2, offset: 4, length: 4 },
    ]);
    expect(slices(0, 4)).toEqual([]);
  });
});

describe('runParallel', () => {
  it('never runs more than `parallel` at once and keeps the order of the results', async () => {
    let running = 0;
    let most = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    const results = await runParallel(items, 3, async (i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return i * 2;
    });
    expect(most).toBe(3);
    expect(results).toEqual(items.map((i) => i * 2));
  });

  it('on the first failure starts nothing more, aborts the signal, waits for the running ones and throws it', async () => {
    const started: number[] = [];
    let abortedSeen = 0;
    let settled = 0;
    const failure = new Error('part 2 failed');
    await expect(
      runParallel([1, 2, 3, 4, 5, 6], 2, async (i, signal) => {
        started.push(i);
        if (i === 2) throw failure;
        await new Promise((resolve) => setImmediate(resolve));
        if (signal.aborted) abortedSeen++;
        settled++;
        return i;
      }),
    ).rejects.toBe(failure);
    expect(started).toEqual([1, 2]);
    expect(abortedSeen).toBe(1);
    expect(settled).toBe(1);
  });
});

describe('retries', () => {
  it('retry transport failures and 5xx, not 4xx or usage errors', () => {
    expect(retryable(new Error('ECONNRESET'))).toBe(true);
    expect(retryable(new ApiError('down', 503))).toBe(true);
    expect(retryable(new ApiError('no such upload', 404))).toBe(false);
    expect(retryable(new CliError('file changed', 2))).toBe(false);
    expect(retryable(new CliError('unreachable', 4))).toBe(true);
  });

  it('withRetries tries 3 times at most, and stops at a 4xx', async () => {
    let calls = 0;
    await expect(withRetries(new AbortController().signal, async () => {
      calls++;
      throw new ApiError('down', 502);
    })).rejects.toThrow('down');
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetries(new AbortController().signal, async () => {
      calls++;
      throw new ApiError('gone', 404);
    })).rejects.toThrow('gone');
    expect(calls).toBe(1);
    calls = 0;
    expect(await withRetries(new AbortController().signal, async (n) => (++calls < 2 ? Promise.reject(new Error('reset')) : n))).toBe(2);
  });
});
