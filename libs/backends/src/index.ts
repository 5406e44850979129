export * from './object-backend';
export * from './backend.errors';
export {
  DEFAULT_CONTENT_TYPE,
  MAX_KEY_BYTES,
  MAX_LIST_LIMIT,
  MAX_META_BYTES,
  PROBE_KEY_PREFIX,
  RESERVED_KEY_PREFIX,
  assertValidKey,
  compareKeys,
  isReservedKey,
  normalizeMeta,
} from './backend-rules';
export { FsBackend, type FsBackendOptions } from './fs.backend';
export { S3Backend, type S3BackendOptions } from './s3.backend';
export { SwiftBackend, SwiftHttpError, type SwiftBackendOptions, type SwiftKeystoneAuth, type SwiftTempAuth } from './swift.backend';
export { AzureBackend, type AzureBackendOptions } from './azure.backend';
export { createBackend, type BackendConfig } from './backend.factory';
