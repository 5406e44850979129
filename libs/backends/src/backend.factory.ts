import type { AzureBackendOptions } from './azure.backend';
import { FsBackend, type FsBackendOptions } from './fs.backend';
import type { ObjectBackend } from './object-backend';
import type { S3BackendOptions } from './s3.backend';
import type { SwiftBackendOptions } from './swift.backend';

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

/**
 * Builds the driver named by `config.type`. Nothing is contacted until the
 * first call.
 *
 * The cloud drivers are loaded here, on first use, not when the library is
 * imported: an agent runs one driver, and the AWS and Azure SDKs cost about
 * 28 MB of resident memory in every process that loads them — headroom the
 * agent needs under its 200 MB budget for large transfers.
 */
export function createBackend(config: BackendConfig): ObjectBackend {
  switch (config.type) {
    case 'fs': {
      const { type: _type, ...options } = config;
      return new FsBackend(options);
    }
    case 's3': {
      const { type: _type, ...options } = config;
      const { S3Backend } = require('./s3.backend') as typeof import('./s3.backend');
      return new S3Backend(options);
    }
    case 'swift': {
      const { type: _type, ...options } = config;
      const { SwiftBackend } = require('./swift.backend') as typeof import('./swift.backend');
      return new SwiftBackend(options);
    }
    case 'azure': {
      const { type: _type, ...options } = config;
      const { AzureBackend } = require('./azure.backend') as typeof import('./azure.backend');
      return new AzureBackend(options);
    }
    default: {
      const unknown: never = config;
      throw new TypeError(`unknown backend type ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}
