import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '@mcos/common';
import { join } from 'node:path';
import { ControllerConfig, refuseExampleSecrets } from './controller-config';

const load = (env: Record<string, string>) => loadConfig(ControllerConfig, { env });

function messageOf(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('ControllerConfig', () => {
  it('has documented defaults and needs only a join token', () => {
    const sut = load({ MCOS__JOIN_TOKEN: 'a-long-join-token' });
    expect(sut).toMatchObject({
      host: '127.0.0.1',
      port: 7000,
      database: { type: 'sqlite', path: './data/controller.sqlite' },
      expectedServices: 3,
      autoRebalance: true,
      partitionPower: 14,
      pollIntervalMs: 5000,
      missThreshold: 3,
      logLevel: 'info',
    });
    expect(sut.defaultOptions.map((o) => [o.name, o.replicas, o.writeQuorum, o.readQuorum])).toEqual([
      ['standard', 3, 2, 2],
      ['sync-3', 3, 3, 1],
      ['async-3', 3, 1, 1],
      ['single', 1, 1, 1],
    ]);
  });

  it('names the key of every problem', () => {
    expect(messageOf({})).toBe('Invalid configuration: joinToken is required');
    expect(messageOf({ MCOS__JOIN_TOKEN: 'a-long-join-token', MCOS__DATABASE__PATH: '' })).toContain('database.path must be longer than or equal to 1 characters');
    expect(messageOf({ MCOS__JOIN_TOKEN: 'a-long-join-token', MCOS__DATABASE__TYPE: 'postgres' })).toContain('database.url is required');
    expect(messageOf({ MCOS__JOIN_TOKEN: 'a-long-join-token', MCOS__POLL_INTERVAL_MS: 'often' })).toContain('pollIntervalMs must be an integer number');
    expect(messageOf({ MCOS__JOIN_TOKEN: 'a-long-join-token', MCOS__PARTITION_POWER: '30' })).toContain('partitionPower must not be greater than 22');
    expect(messageOf({ MCOS__JOIN_TOKEN: 'a-long-join-token', MCOS__BOOTSTRAP_ADMIN__USERNAME: 'root' })).toContain('bootstrapAdmin.password is required');
    expect(messageOf({ MCOS__JOIN_TOKEN: 'a-long-join-token', MCOS__DEFAULT_OPTIONS: '[{"name":"x","replicas":0,"writeQuorum":1,"readQuorum":1}]' })).toContain(
      'defaultOptions.0.replicas must not be less than 1',
    );
    expect(messageOf({ MCOS__JOIN_TOKEN: 'a-long-join-token', MCOS__POLL_INTERVAL: '5' })).toContain('pollInterval is not a known setting');
  });

  it('accepts postgres with a URL and a bootstrap admin password file', () => {
    const sut = load({
      MCOS__JOIN_TOKEN: 'a-long-join-token',
      MCOS__DATABASE: '{"type":"postgres","url":"postgres://u@h/db"}',
      MCOS__BOOTSTRAP_ADMIN__PASSWORD_FILE: '/run/secrets/admin',
    });
    expect(sut.database.url).toBe('postgres://u@h/db');
    expect(sut.bootstrapAdmin).toMatchObject({ username: 'admin', passwordFile: '/run/secrets/admin' });
  });

  it('refuses the example config\'s secrets outside dev mode, naming the keys', () => {
    const example = { MCOS_CONFIG: join(__dirname, '../../../../config/controller.yaml') };
    const sut = load(example);
    expect(() => refuseExampleSecrets(sut)).toThrow(/joinToken holds a published example value.*bootstrapAdmin\.password holds a published example value/);
    expect(() => refuseExampleSecrets(load({ ...example, MCOS__DEV_MODE: 'true' }))).not.toThrow();
    expect(() => refuseExampleSecrets(load({ MCOS__JOIN_TOKEN: 'a-long-join-token' }))).not.toThrow();
  });
});
