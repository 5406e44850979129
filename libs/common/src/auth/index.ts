export * from './auth.types';
export * from './password';
export * from './secrets';
export * from './token';
