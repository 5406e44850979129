export * from './pino-logger.service';
export * from './request-id';
