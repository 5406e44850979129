import { ClockSkewError, HybridClock, WallClock } from './hybrid-clock';
import { compareTimestamps, formatTimestamp, isTimestamp, parseTimestamp, timestampDate } from './timestamp';

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

describe('HybridClock and timestamps from outside (issue 13, point 4)', () => {
  const SKEW = 5 * 60_000;

  it('refuses a timestamp beyond now + the allowed skew, and does not move', () => {
    const wall = new FakeWallClock(1_700_000_000_000);
    const sut = new HybridClock('a', wall, SKEW);
    const before = sut.now();
    const farFuture = formatTimestamp({ ms: 9_999_999_999_999_999, counter: 0, serviceId: 'evil' });
    expect(() => sut.observe(farFuture)).toThrow(ClockSkewError);
    const justBeyond = formatTimestamp({ ms: wall.ms + SKEW + 1, counter: 0, serviceId: 'b' });
    expect(() => sut.observe(justBeyond)).toThrow(ClockSkewError);
    const next = sut.now();
    expect(parseTimestamp(next).ms).toBe(parseTimestamp(before).ms);
    expect(parseTimestamp(next).counter).toBe(parseTimestamp(before).counter + 1);
  });

  it('accepts a timestamp within the skew and orders after it', () => {
    const wall = new FakeWallClock(1_700_000_000_000);
    const sut = new HybridClock('a', wall, SKEW);
    const ahead = formatTimestamp({ ms: wall.ms + SKEW, counter: 3, serviceId: 'b' });
    sut.observe(ahead);
    expect(compareTimestamps(ahead, sut.now())).toBeLessThan(0);
  });

  it('refuses malformed timestamps with a 400-class error', () => {
    const sut = new HybridClock('a', new FakeWallClock(1), SKEW);
    for (const bad of ['', 'x', '1.2.a', `${'9'.repeat(17)}.000000.a`, `0000000000000001.000000.${'s'.repeat(100)}`, 42, undefined]) {
      expect(() => sut.check(bad)).toThrow(ClockSkewError);
    }
  });

  it('turns every stored timestamp into a Date that toISOString accepts', () => {
    for (const ms of [0, 1, 8.64e15, 9_999_999_999_999_999]) {
      const ts = formatTimestamp({ ms, counter: 0, serviceId: 'a' });
      expect(() => timestampDate(ts).toISOString()).not.toThrow();
    }
    expect(timestampDate(formatTimestamp({ ms: 1_000, counter: 0, serviceId: 'a' })).getTime()).toBe(1_000);
  });
});
