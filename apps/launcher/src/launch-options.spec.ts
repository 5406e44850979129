import { describe, expect, it } from '@jest/globals';
import { LaunchUsageError, parseLaunchOptions } from './launch-options';

function usage(argv: string[]): LaunchUsageError {
  let printed = '';
  try {
    parseLaunchOptions(argv, { out: (text) => (printed += text), err: (text) => (printed += text) });
  } catch (error) {
    expect(error).toBeInstanceOf(LaunchUsageError);
    return Object.assign(error as LaunchUsageError, { printed });
  }
  throw new Error('expected a usage error');
}

const silent = { out: () => undefined, err: () => undefined };

describe('parseLaunchOptions', () => {
  it('leaves everything to the config file by default', () => {
    expect(parseLaunchOptions([], silent)).toEqual({ json: false, fresh: false, restart: true, configFile: undefined, dataDir: undefined, basePort: undefined, agents: undefined });
  });

  it('reads every flag', () => {
    const sut = parseLaunchOptions(['--data', '/tmp/d', '--base-port', '7100', '--agents', '4', '--json', '--fresh', '--no-restart', '--config', 'x.yaml']);
    expect(sut).toEqual({ dataDir: '/tmp/d', basePort: 7100, agents: 4, json: true, fresh: true, restart: false, configFile: 'x.yaml' });
  });

  it.each([
    [['--agents', '0']],
    [['--agents', 'three']],
    [['--agents', '27']],
    [['--base-port', '70000']],
    [['--nope']],
    [['--restart']],
    [['extra']],
  ])('refuses %j with exit code 2', (argv) => {
    expect(usage(argv).exitCode).toBe(2);
  });

  it('prints help with exit code 0', () => {
    const sut = usage(['--help']) as LaunchUsageError & { printed: string };
    expect(sut.exitCode).toBe(0);
    expect(sut.printed).toContain('--base-port <n>');
  });
});
