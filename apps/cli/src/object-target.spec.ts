import { describe, expect, it } from '@jest/globals';
import { CliError } from './errors/cli.error';
import { parseListTarget, parseObjectTarget } from './object-target';

describe('parseObjectTarget', () => {
  it('splits at the first slash: object names keep theirs', () => {
    expect(parseObjectTarget('photos/2024/cat.jpg')).toEqual({ container: 'photos', name: '2024/cat.jpg' });
  });

  it('uses the default name for a bare container or a trailing slash', () => {
    expect(parseObjectTarget('photos', 'cat.jpg')).toEqual({ container: 'photos', name: 'cat.jpg' });
    expect(parseObjectTarget('photos/', 'cat.jpg')).toEqual({ container: 'photos', name: 'cat.jpg' });
  });

  it.each(['photos', 'photos/', '/cat.jpg', ''])('refuses "%s" as a usage error', (text) => {
    let caught: unknown;
    try {
      parseObjectTarget(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CliError);
    expect((caught as CliError).exitCode).toBe(2);
    expect((caught as CliError).hint).toContain('/');
  });
});

describe('parseListTarget', () => {
  it('reads a container and an optional prefix', () => {
    expect(parseListTarget('photos')).toEqual({ container: 'photos' });
    expect(parseListTarget('photos/')).toEqual({ container: 'photos' });
    expect(parseListTarget('photos/2024/')).toEqual({ container: 'photos', prefix: '2024/' });
  });

  it('refuses a prefix without a container', () => {
    expect(() => parseListTarget('/2024')).toThrow(CliError);
  });
});
