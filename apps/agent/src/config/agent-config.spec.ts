import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '@mcos/common';

import { AgentConfig } from './agent-config';

const base = {
  MCOS__NAME: 'agent-a',
  MCOS__REGION: 'r1',
  MCOS__CONTROLLER_URL: 'http://127.0.0.1:7000',
  MCOS__JOIN_TOKEN: 'join-token-123',
};

function load(env: Record<string, string>): AgentConfig {
  return loadConfig(AgentConfig, { env: { ...base, ...env } });
}

function problems(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('AgentConfig backend settings', () => {
  it('fs by default, under the data dir', () => {
    expect(load({}).backend.toBackendConfig('/data/objects')).toEqual({ type: 'fs', root: '/data/objects' });
  });

  it('s3 keeps its us-east-1 default region', () => {
    const sut = load({ MCOS__BACKEND__TYPE: 's3', MCOS__BACKEND__BUCKET: 'b', MCOS__BACKEND__ACCESS_KEY_ID: 'k', MCOS__BACKEND__SECRET_ACCESS_KEY: 's' });
    expect(sut.backend.toBackendConfig('/x')).toMatchObject({ type: 's3', region: 'us-east-1', bucket: 'b' });
  });

  it('swift with tempauth (the default) and with keystone', () => {
    const swift = { MCOS__BACKEND__TYPE: 'swift', MCOS__BACKEND__AUTH_URL: 'http://127.0.0.1:8080/auth/v1.0', MCOS__BACKEND__USERNAME: 'test:tester', MCOS__BACKEND__PASSWORD: 'testing', MCOS__BACKEND__CONTAINER: 'mcos' };
    expect(load({ ...swift, MCOS__BACKEND__MAX_OBJECT_BYTES: '1048576' }).backend.toBackendConfig('/x')).toEqual({
      type: 'swift',
      auth: { type: 'tempauth', authUrl: 'http://127.0.0.1:8080/auth/v1.0', username: 'test:tester', password: 'testing' },
      container: 'mcos',
      maxObjectBytes: 1048576,
    });
    const keystone = { ...swift, MCOS__BACKEND__AUTH_TYPE: 'keystone', MCOS__BACKEND__AUTH_URL: 'https://keystone:5000/v3', MCOS__BACKEND__PROJECT_NAME: 'demo', MCOS__BACKEND__REGION: 'RegionOne' };
    expect(load(keystone).backend.toBackendConfig('/x')).toMatchObject({
      auth: { type: 'keystone', authUrl: 'https://keystone:5000/v3', username: 'test:tester', projectName: 'demo', region: 'RegionOne' },
    });
    expect(problems({ ...keystone, MCOS__BACKEND__PROJECT_NAME: '' })).toEqual(['backend.projectName must be longer than or equal to 1 characters']);
    expect(problems({ MCOS__BACKEND__TYPE: 'swift' })).toEqual(expect.arrayContaining(['backend.container is required', 'backend.authUrl is required', 'backend.username is required', 'backend.password is required']));
  });

  it('azure with a connection string, or with account name and key', () => {
    expect(load({ MCOS__BACKEND__TYPE: 'azure', MCOS__BACKEND__CONNECTION_STRING: 'UseDevelopmentStorage=true', MCOS__BACKEND__CONTAINER: 'c' }).backend.toBackendConfig('/x')).toMatchObject({
      type: 'azure',
      connectionString: 'UseDevelopmentStorage=true',
      container: 'c',
    });
    expect(problems({ MCOS__BACKEND__TYPE: 'azure', MCOS__BACKEND__CONTAINER: 'c' })).toEqual(['backend.accountName is required', 'backend.accountKey is required']);
    expect(problems({ MCOS__BACKEND__TYPE: 'tape' })).toEqual([expect.stringMatching(/^backend.type must be one of/)]);
  });
});

describe('AgentConfig secrets', () => {
  it('refuses the example join token outside dev mode', () => {
    expect(problems({ MCOS__JOIN_TOKEN: 'change-me-join-token' })).toEqual([expect.stringMatching(/^joinToken holds a published example value/)]);
    expect(load({ MCOS__JOIN_TOKEN: 'change-me-join-token', MCOS__DEV_MODE: 'true' }).devMode).toBe(true);
    expect(problems({})).toEqual([]);
  });
});

describe('AgentConfig s3 door', () => {
  it('is off when absent', () => {
    expect(load({}).s3).toBeUndefined();
  });

  it('takes host, port and domain; host defaults to loopback', () => {
    expect(load({ MCOS__S3__PORT: '9000' }).s3).toMatchObject({ host: '127.0.0.1', port: 9000 });
    expect(load({ MCOS__S3__HOST: '0.0.0.0', MCOS__S3__PORT: '9000', MCOS__S3__DOMAIN: 's3.example.com' }).s3).toMatchObject({ host: '0.0.0.0', port: 9000, domain: 's3.example.com' });
  });

  it('refuses a missing or bad port and a bad domain', () => {
    expect(problems({ MCOS__S3__HOST: '127.0.0.1' }).join('\n')).toMatch(/s3\.port/);
    expect(problems({ MCOS__S3__PORT: '70000' }).join('\n')).toMatch(/s3\.port/);
    expect(problems({ MCOS__S3__PORT: '9000', MCOS__S3__DOMAIN: 'not a domain' }).join('\n')).toMatch(/s3\.domain/);
  });
});

describe('AgentConfig multipart', () => {
  it('aborts uploads after 168 hours, with a 15-minute GC grace, by default', () => {
    expect(load({}).multipart).toMatchObject({ abandonAfterHours: 168, gcGraceSeconds: 900, gcIntervalMs: 60_000 });
    expect(load({ MCOS__MULTIPART__ABANDON_AFTER_HOURS: '24' }).multipart.abandonAfterHours).toBe(24);
    expect(load({ MCOS__MULTIPART__ABANDON_AFTER_HOURS: '0.5' }).multipart.abandonAfterHours).toBe(0.5);
  });

  it('refuses an abandonAfterHours under a second or not a number, and a negative grace, naming the key', () => {
    for (const bad of ['0', '-1', '0.0001', 'soon', '100000']) expect(problems({ MCOS__MULTIPART__ABANDON_AFTER_HOURS: bad }).join('\n')).toMatch(/multipart\.abandonAfterHours/);
    expect(problems({ MCOS__MULTIPART__GC_GRACE_SECONDS: '-1' }).join('\n')).toMatch(/multipart\.gcGraceSeconds/);
    expect(problems({ MCOS__MULTIPART__GC_INTERVAL_MS: '10' }).join('\n')).toMatch(/multipart\.gcIntervalMs/);
  });
});
