import { describe, expect, it } from '@jest/globals';

import { requireServer } from './real-server';

describe('requireServer', () => {
  it('runs the suite when the server is available, CI or not', () => {
    for (const env of [{}, { CI: 'true' }]) {
      const sut = requireServer('Swift', undefined, { env, print: () => undefined });
      expect(sut.describe).toBe(describe);
      expect(sut.unavailable).toBeUndefined();
    }
  });

  it('skips with the reason printed when the server is missing and CI is not set', () => {
    for (const env of [{}, { CI: '' }, { CI: 'false' }, { CI: '0' }]) {
      const printed: string[] = [];
      const sut = requireServer('Swift', 'swift-proxy is not installed', { env, print: (line) => printed.push(line) });
      expect(sut.describe).toBe(describe.skip);
      expect(sut.unavailable).toBe('swift-proxy is not installed');
      expect(printed).toEqual([expect.stringContaining('swift-proxy is not installed')]);
    }
  });

  it('fails, naming the server and the reason, when the server is missing and CI is set', () => {
    for (const env of [{ CI: 'true' }, { CI: '1' }, { CI: 'woodpecker' }]) {
      const printed: string[] = [];
      expect(() => requireServer('PostgreSQL', 'initdb not found', { env, print: (line) => printed.push(line) })).toThrow(
        /PostgreSQL is required when CI is set.*initdb not found/,
      );
      expect(printed).toEqual([]);
    }
  });
});
