import { PeerHealth } from './peer-health';

describe('PeerHealth', () => {
  it('marks a failed peer down for a while, then up again', () => {
    let now = 1_000;
    const sut = new PeerHealth(500, () => now);
    sut.recordFailure('b');
    expect(sut.isDown('b')).toBe(true);
    now += 501;
    expect(sut.isDown('b')).toBe(false);
    sut.recordFailure('b');
    sut.recordSuccess('b');
    expect(sut.isDown('b')).toBe(false);
  });

  it('smooths round-trip times and reports unknown peers as farthest', () => {
    const sut = new PeerHealth(500);
    sut.recordRtt('b', 10);
    sut.recordRtt('b', 20);
    expect(sut.distance('b')).toBeCloseTo(13);
    expect(sut.distance('c')).toBe(Infinity);
    expect(sut.distances()).toEqual({ b: 13 });
  });
});
