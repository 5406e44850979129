import { PerUserLimiter } from './per-user-limiter';

describe('PerUserLimiter', () => {
  it('lets one user have at most max requests in flight, others unaffected, and frees a slot once per release', () => {
    const sut = new PerUserLimiter(2);
    const a1 = sut.tryAcquire('alice')!;
    const a2 = sut.tryAcquire('alice')!;
    expect(sut.tryAcquire('alice')).toBeUndefined();
    expect(sut.tryAcquire('bob')).toBeDefined();
    a1();
    a1(); // released twice (answer done, then connection closed): counted once
    expect(sut.inFlightOf('alice')).toBe(1);
    expect(sut.tryAcquire('alice')).toBeDefined();
    expect(sut.tryAcquire('alice')).toBeUndefined();
    a2();
    expect(sut.inFlightOf('alice')).toBe(1);
  });
});
