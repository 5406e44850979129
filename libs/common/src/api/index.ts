export * from './user-api.types';
