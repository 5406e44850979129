import { HybridClock, WallClock } from './hybrid-clock';
import { compareTimestamps, formatTimestamp, isTimestamp, parseTimestamp } from './timestamp';

class FakeWallClock extends WallClock {
  constructor(public ms: number) {
    super();
  }
  now(): number {
    return this.ms;
  }
}

describe('HybridClock', () => {
  it('is strictly increasing even when the wall clock stands still or goes back', () => {
    const wall = new FakeWallClock(1_000);
    const sut = new HybridClock('a', wall);
    const seen = [sut.now(), sut.now()];
    wall.ms = 500;
    seen.push(sut.now());
    wall.ms = 2_000;
    seen.push(sut.now());
    for (let i = 1; i < seen.length; i++) expect(compareTimestamps(seen[i - 1], seen[i])).toBeLessThan(0);
    expect(parseTimestamp(seen[3]).ms).toBe(2_000);
  });

  it('orders its next timestamp after one observed from a peer ahead of it', () => {
    const wall = new FakeWallClock(1_000);
    const sut = new HybridClock('a', wall);
    const peer = formatTimestamp({ ms: 5_000, counter: 7, serviceId: 'b' });
    sut.observe(peer);
    const next = sut.now();
    expect(compareTimestamps(peer, next)).toBeLessThan(0);
    expect(parseTimestamp(next)).toEqual({ ms: 5_000, counter: 8, serviceId: 'a' });
  });

  it('breaks ties between agents by service id, so the order is total', () => {
    const a = new HybridClock('agent-a', new FakeWallClock(1)).now();
    const b = new HybridClock('agent-b', new FakeWallClock(1)).now();
    expect(compareTimestamps(a, b)).toBeLessThan(0);
    expect(compareTimestamps(b, a)).toBeGreaterThan(0);
  });

  it('keeps string order equal to numeric order across digit boundaries', () => {
    const small = formatTimestamp({ ms: 9, counter: 999_999, serviceId: 'z' });
    const big = formatTimestamp({ ms: 10, counter: 0, serviceId: 'a' });
    expect(compareTimestamps(small, big)).toBeLessThan(0);
    expect(isTimestamp(big)).toBe(true);
    expect(isTimestamp('10.0.a')).toBe(false);
  });

  it('rolls into the next millisecond when the counter is exhausted', () => {
    const wall = new FakeWallClock(1);
    const sut = new HybridClock('a', wall);
    sut.observe(formatTimestamp({ ms: 1, counter: 999_999, serviceId: 'b' }));
    expect(parseTimestamp(sut.now())).toEqual({ ms: 2, counter: 0, serviceId: 'a' });
  });
});
