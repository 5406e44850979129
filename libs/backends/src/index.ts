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
// The cloud drivers are exported as types only: `createBackend` loads the one
// a process needs (their SDKs are large, see backend.factory.ts).
export type { S3Backend, S3BackendOptions } from './s3.backend';
export type { SwiftBackend, SwiftBackendOptions, SwiftKeystoneAuth, SwiftTempAuth } from './swift.backend';
export type { AzureBackend, AzureBackendOptions } from './azure.backend';
export { createBackend, type BackendConfig } from './backend.factory';
export { mapLimited } from './map-limited';
