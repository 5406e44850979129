import { ManualClock, TooManyRequestsError } from '@mcos/common';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from './login-throttle';

describe('LoginThrottle', () => {
  const options = { ...DEFAULT_LOGIN_THROTTLE, freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 8_000 };
  let clock: ManualClock;
  let sut: LoginThrottle;

  beforeEach(() => {
    clock = new ManualClock();
    sut = new LoginThrottle(clock, options);
  });

  const waitOf = (name: string): number | undefined => {
    try {
      sut.check(name);
      return undefined;
    } catch (err) {
      expect(err).toBeInstanceOf(TooManyRequestsError);
      return (err as TooManyRequestsError).retryAfterSeconds;
    }
  };

  it('lets the free failures through, then makes the name wait, doubling up to the cap', () => {
    for (let i = 0; i < 3; i++) {
      expect(waitOf('alice')).toBeUndefined();
      sut.failed('alice');
    }
    expect(waitOf('alice')).toBe(1);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance((waitOf('alice') ?? 0) * 1000);
      expect(waitOf('alice')).toBeUndefined();
      sut.failed('alice');
      waits.push(waitOf('alice')!);
    }
    expect(waits).toEqual([2, 4, 8, 8, 8]);
  });

  it('keeps other names free, and a success clears the record', () => {
    for (let i = 0; i < 4; i++) sut.failed('alice');
    expect(waitOf('alice')).toBeGreaterThan(0);
    expect(waitOf('bob')).toBeUndefined();
    sut.succeeded('alice');
    expect(waitOf('alice')).toBeUndefined();
    sut.failed('alice');
    expect(waitOf('alice')).toBeUndefined();
  });

  it('forgets failures after a quiet period', () => {
    for (let i = 0; i < 3; i++) sut.failed('alice');
    clock.advance(options.forgetAfterMs + 1);
    sut.failed('alice');
    expect(waitOf('alice')).toBeUndefined();
  });

  it('tracks a bounded number of names, forgetting the least recently failed', () => {
    const small = new LoginThrottle(clock, { ...options, maxTracked: 100 });
    for (let i = 0; i < 1000; i++) small.failed(`spray-${i}`);
    expect(small.tracked).toBe(100);
    for (let i = 0; i < 3; i++) small.failed('spray-999');
    expect(() => small.check('spray-999')).toThrow(TooManyRequestsError);
  });
});
