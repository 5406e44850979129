import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DOMAIN_ERROR_STATUS, DomainError, TooManyRequestsError } from './domain.error';
import { REQUEST_ID_HEADER, requestIdOf } from '../logging/request-id';

/** The JSON body of every error answer. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message?: string;
  requestId?: string;
}

interface MinimalRequest {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  id?: string;
}

interface MinimalResponse {
  headersSent: boolean;
  status(code: number): MinimalResponse;
  setHeader(name: string, value: string): void;
  json(body: unknown): void;
  destroy?(error?: Error): void;
  end(): void;
}

/**
 * The one global filter of each app: DomainError codes become 4xx/503, Nest's
 * own HttpExceptions (ValidationPipe, unknown routes) pass through with the
 * same body shape, client errors raised by the HTTP stack (body-parser: bad
 * JSON, too large) keep their status, and anything else is logged with the
 * request id and answered 500 with only that id.
 */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('DomainExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<MinimalRequest>();
    const response = http.getResponse<MinimalResponse>();
    if (response.headersSent) {
      // A streamed answer already started: the only honest signal left is to cut it.
      this.logger.warn(`${request.method} ${request.url} failed after the answer started: ${describe(exception)}`);
      if (response.destroy) response.destroy();
      else response.end();
      return;
    }
    const body = this.toBody(exception, request);
    if (body.requestId) response.setHeader(REQUEST_ID_HEADER, body.requestId);
    if (exception instanceof TooManyRequestsError) response.setHeader('retry-after', String(Math.max(1, Math.ceil(exception.retryAfterSeconds))));
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, request: MinimalRequest): ErrorBody {
    if (exception instanceof DomainError) {
      const statusCode = DOMAIN_ERROR_STATUS[exception.code] ?? 500;
      return { statusCode, error: reason(statusCode), message: exception.message };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      return { statusCode, error: reason(statusCode), message: httpExceptionMessage(exception) };
    }
    const clientStatus = exposedClientStatus(exception);
    if (clientStatus !== undefined) {
      return { statusCode: clientStatus, error: reason(clientStatus), message: (exception as Error).message };
    }
    const requestId = requestIdOf(request) ?? randomUUID();
    this.logger.error(
      `requestId=${requestId} ${request.method} ${request.url} failed: ${describe(exception)}`,
      exception instanceof Error ? exception.stack : undefined,
    );
    return { statusCode: 500, error: reason(500), requestId };
  }
}

function reason(statusCode: number): string {
  return STATUS_CODES[statusCode] ?? 'Error';
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  if (typeof message === 'string') return message;
  return exception.message;
}

/** http-errors style errors (body-parser) that are safe to show: 4xx with expose. */
function exposedClientStatus(exception: unknown): number | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const candidate = exception as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const status = typeof candidate.status === 'number' ? candidate.status : candidate.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && candidate.expose === true) return status;
  return undefined;
}

function describe(exception: unknown): string {
  return exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception);
}
