export * from './canonical-json';
export * from './cluster-map-signature';
export * from './ed25519-keys';
export * from './example-secrets';
export * from './file-modes';
export * from './service-assertion';
export * from './user-token-verifier';
