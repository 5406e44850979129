import { describe, expect, it, jest } from '@jest/globals';
import { ArgumentsHost, BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { DomainExceptionFilter } from './domain-exception.filter';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, PayloadTooLargeError, PreconditionFailedError, TooManyRequestsError, UnauthorizedError, UnavailableError } from './domain.error';

class FakeResponse {
  statusCode = 0;
  body: unknown;
  headers: Record<string, string> = {};
  headersSent = false;
  destroyed = false;

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  setHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  json(body: unknown): void {
    this.body = body;
  }

  destroy(): void {
    this.destroyed = true;
  }

  end(): void {}
}

function hostFor(response: FakeResponse, request: object = { method: 'GET', url: '/x', headers: {} }): ArgumentsHost {
  return {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response, getNext: () => undefined }),
  } as unknown as ArgumentsHost;
}

function answer(exception: unknown, request?: object): FakeResponse {
  const response = new FakeResponse();
  new DomainExceptionFilter().catch(exception, hostFor(response, request));
  return response;
}

describe('DomainExceptionFilter', () => {
  it.each([
    [new UnauthorizedError('no'), 401, 'Unauthorized'],
    [new ForbiddenError('no'), 403, 'Forbidden'],
    [new NotFoundError('no'), 404, 'Not Found'],
    [new ConflictError('no'), 409, 'Conflict'],
    [new PreconditionFailedError('no'), 412, 'Precondition Failed'],
    [new PayloadTooLargeError('no'), 413, 'Payload Too Large'],
    [new UnavailableError('no'), 503, 'Service Unavailable'],
    [new DomainError('BAD_REQUEST', 'no'), 400, 'Bad Request'],
  ])('maps %p to %i', (error, status, reason) => {
    const sut = answer(error);
    expect(sut.statusCode).toBe(status);
    expect(sut.body).toEqual({ statusCode: status, error: reason, message: 'no' });
  });

  it('answers 429 with a Retry-After of whole seconds (at least 1)', () => {
    const r = answer(new TooManyRequestsError('too many failed logins for alice; try again in 3 s', 2.2));
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('3');
    expect(r.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: 'too many failed logins for alice; try again in 3 s' });
    expect(answer(new TooManyRequestsError('x', 0.01)).headers['retry-after']).toBe('1');
  });

  it('passes Nest HttpExceptions through, joining validation messages', () => {
    const sut = answer(new BadRequestException(['name must be a string', 'replicas must be an integer number']));
    expect(sut.statusCode).toBe(400);
    expect(sut.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'name must be a string; replicas must be an integer number' });
    expect(answer(new NotFoundException('Cannot GET /nope')).body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /nope' });
  });

  it('keeps the status of exposed client errors from the HTTP stack (bad JSON, too large)', () => {
    const parseError = Object.assign(new SyntaxError('Unexpected end of JSON input'), { status: 400, expose: true, type: 'entity.parse.failed' });
    expect(answer(parseError).body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Unexpected end of JSON input' });
  });

  it('answers anything else 500 with only a request id, and logs it', () => {
    const log = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const sut = answer(new Error('secret detail'), { method: 'GET', url: '/x', headers: {}, id: 'req-1' });
    expect(sut.statusCode).toBe(500);
    expect(sut.body).toEqual({ statusCode: 500, error: 'Internal Server Error', requestId: 'req-1' });
    expect(sut.headers['x-request-id']).toBe('req-1');
    expect(String(log.mock.calls[0]?.[0])).toContain('requestId=req-1');
    expect(String(log.mock.calls[0]?.[0])).toContain('secret detail');
    log.mockRestore();
  });

  it('cuts a response whose headers were already sent', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const response = new FakeResponse();
    response.headersSent = true;
    new DomainExceptionFilter().catch(new Error('mid-stream'), hostFor(response));
    expect(response.destroyed).toBe(true);
    expect(response.statusCode).toBe(0);
    warn.mockRestore();
  });
});
