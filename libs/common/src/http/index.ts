export * from './body-limits';
