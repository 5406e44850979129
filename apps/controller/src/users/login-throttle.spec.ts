import { ManualClock, TooManyRequestsError } from '@mcos/common';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from './login-throttle';

describe('LoginThrottle', () => {
  const options = {
    ...DEFAULT_LOGIN_THROTTLE,
    freeFailures: 3,
    freeFailuresPerAddress: 6,
    freeFailuresPerUsername: 10,
    baseDelayMs: 1_000,
    maxDelayMs: 8_000,
  };
  let clock: ManualClock;
  let sut: LoginThrottle;

  beforeEach(() => {
    clock = new ManualClock();
    sut = new LoginThrottle(clock, options);
  });

  const waitOf = (name: string, address = '10.0.0.1', throttle = sut): number | undefined => {
    try {
      throttle.check(name, address);
      return undefined;
    } catch (err) {
      expect(err).toBeInstanceOf(TooManyRequestsError);
      return (err as TooManyRequestsError).retryAfterSeconds;
    }
  };

  it('lets the free failures through, then makes the name wait from that address, doubling up to the cap', () => {
    for (let i = 0; i < 3; i++) {
      expect(waitOf('alice')).toBeUndefined();
      sut.failed('alice', '10.0.0.1');
    }
    expect(waitOf('alice')).toBe(1);
    expect(waitOf('alice', '10.0.0.2')).toBeUndefined();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance((waitOf('alice') ?? 0) * 1000);
      expect(waitOf('alice')).toBeUndefined();
      sut.failed('alice', '10.0.0.1');
      waits.push(waitOf('alice')!);
    }
    expect(waits).toEqual([2, 4, 8, 8, 8]);
  });

  it('keeps other names free, and a success clears the record', () => {
    for (let i = 0; i < 3; i++) sut.failed('alice', '10.0.0.1');
    expect(waitOf('alice')).toBeGreaterThan(0);
    expect(waitOf('bob')).toBeUndefined();
    sut.succeeded('alice', '10.0.0.1');
    expect(waitOf('alice')).toBeUndefined();
    sut.failed('alice', '10.0.0.1');
    expect(waitOf('alice')).toBeUndefined();
  });

  it('makes an address that sprays many names wait, whatever the name', () => {
    for (let i = 0; i < 6; i++) sut.failed(`name-${i}`, '10.6.6.6');
    expect(waitOf('a-new-name', '10.6.6.6')).toBeGreaterThan(0);
    expect(waitOf('a-new-name', '10.0.0.1')).toBeUndefined();
  });

  it('slows a username guessed from many addresses, but not its owner\'s known address', () => {
    sut.succeeded('admin', '192.168.1.10');
    for (let i = 0; i < 10; i++) sut.failed('admin', `10.1.${i}.1`);
    expect(waitOf('admin', '10.9.9.9')).toBeGreaterThan(0);
    expect(waitOf('admin', '192.168.1.10')).toBeUndefined();
    // However long the attack goes on, a stranger waits at most maxDelayMs at a time.
    for (let i = 0; i < 100; i++) sut.failed('admin', `10.2.${i}.1`);
    expect(waitOf('admin', '10.9.9.9')).toBeLessThanOrEqual(8);
    expect(waitOf('admin', '192.168.1.10')).toBeUndefined();
  });

  it('forgets failures after a quiet period', () => {
    for (let i = 0; i < 3; i++) sut.failed('alice', '10.0.0.1');
    clock.advance(options.forgetAfterMs + 1);
    sut.failed('alice', '10.0.0.1');
    expect(waitOf('alice')).toBeUndefined();
  });

  it('stays bounded under a spray of names without forgetting a target with many failures', () => {
    const small = new LoginThrottle(clock, { ...options, maxTracked: 100, freeFailuresPerAddress: 1_000_000, freeFailuresPerUsername: 1_000_000 });
    for (let i = 0; i < 3; i++) small.failed('target', '10.0.0.1');
    for (let i = 0; i < 10_000; i++) small.failed(`spray-${i}`, `10.${i >> 8}.${i & 255}.1`);
    expect(small.tracked.pairs).toBeLessThanOrEqual(100);
    expect(small.tracked.addresses).toBeLessThanOrEqual(100);
    expect(waitOf('target', '10.0.0.1', small)).toBeGreaterThan(0);
  });
});
