import { describe, expect, it, jest } from '@jest/globals';

import { createBackend, type BackendConfig } from './backend.factory';
import { FsBackend } from './fs.backend';
import { ObjectBackend } from './object-backend';
import { AzureBackend } from './azure.backend';
import { S3Backend } from './s3.backend';
import { SwiftBackend } from './swift.backend';

describe('createBackend', () => {
  it('builds the fs driver', () => {
    const sut = createBackend({ type: 'fs', root: '/tmp/mcos-never-touched' });
    expect(sut).toBeInstanceOf(FsBackend);
    expect(sut).toBeInstanceOf(ObjectBackend);
    expect(sut.describe()).toBe('fs:/tmp/mcos-never-touched');
  });

  it('builds the s3 driver without contacting it, and never shows the secret', async () => {
    const sut = createBackend({
      type: 's3',
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      bucket: 'b',
      forcePathStyle: true,
      accessKeyId: 'AK',
      secretAccessKey: 'very-secret',
      prefix: 'p/',
    });
    expect(sut).toBeInstanceOf(S3Backend);
    expect(sut.kind).toBe('s3');
    expect(sut.describe()).toBe('s3:http://127.0.0.1:1/b/p/');
    expect(sut.describe()).not.toContain('very-secret');
    await sut.close();
  });

  it('builds the swift driver without contacting it, and never shows the password', async () => {
    const sut = createBackend({
      type: 'swift',
      auth: { type: 'keystone', authUrl: 'http://127.0.0.1:1/v3', username: 'u', password: 'very-secret', projectName: 'p' },
      container: 'c',
      prefix: 'p/',
    });
    expect(sut).toBeInstanceOf(SwiftBackend);
    expect(sut.kind).toBe('swift');
    expect(sut.describe()).toBe('swift:http://127.0.0.1:1/v3/c/p/');
    expect(sut.describe()).not.toContain('very-secret');
    await sut.close();
  });

  it('builds the azure driver without contacting it, and never shows the key', async () => {
    const key = Buffer.from('very-secret').toString('base64');
    const sut = createBackend({ type: 'azure', endpoint: 'http://127.0.0.1:1/acct', accountName: 'acct', accountKey: key, container: 'c' });
    expect(sut).toBeInstanceOf(AzureBackend);
    expect(sut.kind).toBe('azure');
    expect(sut.describe()).toBe('azure:http://127.0.0.1:1/acct/c/');
    expect(sut.describe()).not.toContain(key);
    await sut.close();
  });

  it('refuses an unknown type', () => {
    expect(() => createBackend({ type: 'tape' } as unknown as BackendConfig)).toThrow(/unknown backend type "tape"/);
  });

  it('loads a cloud SDK only when its driver is built, not when the library is imported', () => {
    const loaded: string[] = [];
    jest.isolateModules(() => {
      for (const sdk of ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', '@azure/storage-blob']) {
        jest.doMock(sdk, () => {
          loaded.push(sdk);
          return jest.requireActual(sdk);
        });
      }
      const lib = require('./index') as typeof import('./index');
      expect(loaded).toEqual([]);
      lib.createBackend({ type: 'fs', root: '/tmp/mcos-never-touched' });
      expect(loaded).toEqual([]);
      lib.createBackend({ type: 'azure', endpoint: 'http://127.0.0.1:1/a', accountName: 'a', accountKey: 'a2V5', container: 'c' });
      expect(loaded).toEqual(['@azure/storage-blob']);
    });
  });
});
