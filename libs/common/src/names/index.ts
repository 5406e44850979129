export * from './names';
export * from './name.validators';
