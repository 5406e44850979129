import type { LoggerService } from '@nestjs/common';
import pino from 'pino';

export type LogLevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export const LOG_LEVEL_NAMES: readonly LogLevelName[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * Nest's LoggerService on top of pino: one JSON line per entry on stdout,
 * with the Nest context as `context`. Code keeps using `new Logger(Context)`
 * from @nestjs/common; main.ts installs this with `app.useLogger(...)`.
 */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: pino.Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest calls error(message, stack?, context?). */
  error(message: unknown, ...params: unknown[]): void {
    const context = params.length > 0 && typeof params[params.length - 1] === 'string' ? params.pop() : undefined;
    const stack = params.find((p): p is string => typeof p === 'string' && p.includes('\n'));
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      fields.err = message;
      this.logger.error(fields, message.message);
      return;
    }
    this.logger.error(fields, stringify(message));
  }

  private write(level: LogLevelName, message: unknown, params: unknown[]): void {
    const context = params.length > 0 && typeof params[params.length - 1] === 'string' ? params[params.length - 1] : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (typeof message === 'object' && message !== null && !(message instanceof Error)) {
      this.logger[level]({ ...fields, ...(message as Record<string, unknown>) });
      return;
    }
    this.logger[level](fields, stringify(message));
  }
}

/** A JSON-lines logger for one app, written synchronously so nothing is lost at exit. */
export function createPinoLogger(app: string, level: LogLevelName = 'info'): PinoLoggerService {
  const logger = pino({ level, base: { app }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true }));
  return new PinoLoggerService(logger);
}

function stringify(message: unknown): string {
  if (message instanceof Error) return message.message;
  return typeof message === 'string' ? message : String(message);
}
