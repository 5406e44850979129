export * from './access-keys.types';
export * from './access-key-sealing';
