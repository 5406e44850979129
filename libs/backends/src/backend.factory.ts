import { AzureBackend, type AzureBackendOptions } from './azure.backend';
import { FsBackend, type FsBackendOptions } from './fs.backend';
import type { ObjectBackend } from './object-backend';
import { S3Backend, type S3BackendOptions } from './s3.backend';
import { SwiftBackend, type SwiftBackendOptions } from './swift.backend';

/**
 * Validated backend settings, one variant per driver. A new driver adds a
 * variant `{ type: '<kind>' } & <Driver>Options` and a case below; the
 * `never` check makes a forgotten case a compile error.
 */
export type BackendConfig =
  | ({ type: 'fs' } & FsBackendOptions)
  | ({ type: 's3' } & S3BackendOptions)
  | ({ type: 'swift' } & SwiftBackendOptions)
  | ({ type: 'azure' } & AzureBackendOptions);

/** Builds the driver named by `config.type`. Nothing is contacted until the first call. */
export function createBackend(config: BackendConfig): ObjectBackend {
  switch (config.type) {
    case 'fs': {
      const { type: _type, ...options } = config;
      return new FsBackend(options);
    }
    case 's3': {
      const { type: _type, ...options } = config;
      return new S3Backend(options);
    }
    case 'swift': {
      const { type: _type, ...options } = config;
      return new SwiftBackend(options);
    }
    case 'azure': {
      const { type: _type, ...options } = config;
      return new AzureBackend(options);
    }
    default: {
      const unknown: never = config;
      throw new TypeError(`unknown backend type ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}
