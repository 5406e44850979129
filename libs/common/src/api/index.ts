export * from './user-api.types';
export * from './admin-api.types';
