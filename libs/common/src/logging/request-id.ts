import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  id?: string;
}

interface ResponseLike {
  setHeader(name: string, value: string): void;
}

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Express-style middleware: gives every request an id (the caller's
 * `X-Request-Id` when it is a safe token, else a new UUID), stores it on
 * `req.id` and echoes it in the response, so logs and error bodies correlate.
 */
export function requestIdMiddleware(req: RequestLike, res: ResponseLike, next: () => void): void {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

export function requestIdOf(req: RequestLike): string | undefined {
  if (typeof req.id === 'string') return req.id;
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : undefined;
}
