import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('sleeps just enough to hold the average rate', async () => {
    let now = 0;
    const slept: number[] = [];
    const sut = new RateLimiter(100, () => now, async (ms) => {
      slept.push(ms);
      now += ms;
    });
    await sut.take(100); // the first second's allowance
    await sut.take(50);
    expect(slept).toEqual([500]);
    now += 10_000; // a long pause earns at most one second of work
    await sut.take(150);
    expect(slept[1]).toBeCloseTo(500);
  });
});
