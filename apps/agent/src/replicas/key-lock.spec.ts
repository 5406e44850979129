import { KeyLock } from './key-lock';

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyLock', () => {
  it('runs work on one key one at a time, in order', async () => {
    const sut = new KeyLock();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
    };
    await Promise.all([sut.run('k', job('a')), sut.run('k', job('b')), sut.run('other', job('c'))]);
    expect(log.indexOf('a:end')).toBeLessThan(log.indexOf('b:start'));
    expect(log.indexOf('c:start')).toBeLessThan(log.indexOf('a:end'));
    expect(sut.size).toBe(0);
  });

  it('releases the key when the work throws', async () => {
    const sut = new KeyLock();
    await expect(sut.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sut.run('k', async () => 42)).resolves.toBe(42);
    expect(sut.size).toBe(0);
  });
});
