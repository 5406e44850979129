export * from './api';
export * from './auth';
export * from './cluster';
export * from './config';
export * from './errors';
export * from './logging';
export * from './names';
export * from './time';
