export * from './domain.error';
export * from './domain-exception.filter';
