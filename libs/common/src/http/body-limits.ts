import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';

type Next = (err?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

/** A route that takes a JSON body, and the largest body it takes. */
export interface JsonRoute {
  /** An HTTP method, or '*' for any method that carries a body. */
  method: string;
  /** Tested against the path (no query string). */
  path: RegExp;
  /** Largest body in bytes, checked against Content-Length before any byte is read and while reading. */
  limitBytes: number;
  /** At most this many bodies of this route parsed at once (others get 503): bounds memory for big limits. */
  maxInFlight?: number;
}

/** How long the rest of a refused body is read (and dropped) before the connection is cut. */
export const REFUSED_BODY_LINGER_MS = 2_000;

/**
 * After an answer sent before the request's body ended (413, 415, 400...):
 * the rest of the body is read and dropped for at most `lingerMs`, then the
 * connection is cut. Closing at once would make the kernel reset the
 * connection over the unread bytes, and the client would lose the answer
 * (what nginx calls a lingering close); reading on without end would let a
 * refused body stream forever. A body that ends in time keeps its
 * keep-alive connection.
 */
export function lingerAfterAnswer(req: IncomingMessage, res: ServerResponse, lingerMs = REFUSED_BODY_LINGER_MS): void {
  const start = () => {
    if (req.complete || req.destroyed) return;
    const timer = setTimeout(() => req.socket.destroy(), lingerMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    req.once('end', stop);
    req.socket.once('close', stop);
    req.resume();
  };
  if (res.writableFinished) start();
  else res.once('finish', start);
}

/**
 * Answers an error the way the apps' exception filter does (same JSON shape),
 * before any more of the body is read; the rest of the body lingers (see
 * lingerAfterAnswer).
 */
export function refuseRequest(req: IncomingMessage, res: ServerResponse, statusCode: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = statusCode;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  lingerAfterAnswer(req, res);
  res.end(JSON.stringify({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message }));
}

/**
 * Refuses (415) any request whose body carries a Content-Encoding other than
 * `identity`. No route of MCOS needs a compressed request body, and inflating
 * one is how ~250 KB on the wire became ~240 MB of JSON in memory (issue 13).
 * Runs before any body is read.
 */
export function refuseEncodedBodies(applies: (path: string) => boolean = () => true): Middleware {
  return (req, res, next) => {
    const encoding = req.headers['content-encoding'];
    if (encoding === undefined || !applies(pathOf(req.url))) return next();
    const codings = encoding
      .split(',')
      .map((c) => c.trim().toLowerCase())
      .filter((c) => c !== '');
    if (codings.every((c) => c === 'identity')) return next();
    refuseRequest(req, res, 415, `Content-Encoding ${JSON.stringify(encoding)} is not accepted: send the body uncompressed`);
  };
}

/**
 * JSON body parsing only on the routes that take JSON, each with its own
 * small limit, never inflating, and no parsing at all elsewhere (raw object
 * bodies stream untouched; a body sent to a route that takes none is never
 * read). Limits apply before work: a Content-Length over the limit is refused
 * (413) before a byte is read, a chunked body as soon as it passes the limit.
 */
export function jsonBodies(routes: JsonRoute[]): Middleware {
  // Loaded here, not at import: the CLI imports @mcos/common and needs no HTTP server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { json } = require('express') as typeof express;
  const parsers = routes.map((route) => ({
    route,
    inFlight: 0,
    parse: json({ limit: route.limitBytes, inflate: false, strict: true, type: () => true }) as unknown as Middleware,
  }));
  return (req, res, next) => {
    const method = req.method ?? 'GET';
    const path = pathOf(req.url);
    const entry = parsers.find((p) => (p.route.method === method || p.route.method === '*') && p.route.path.test(path));
    if (!entry) return next();
    if (!hasBody(req)) return next();
    const max = entry.route.maxInFlight;
    if (max !== undefined && entry.inFlight >= max) {
      refuseRequest(req, res, 503, 'too many bodies of this kind are being read; retry');
      return;
    }
    entry.inFlight++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        entry.inFlight--;
      }
    };
    res.once('close', release);
    entry.parse(req, res, (err?: unknown) => {
      release();
      if (err === undefined) return next();
      const status = (err as { status?: number }).status;
      const message = (err as Error).message;
      if (status === 413) return refuseRequest(req, res, 413, `request body too large: at most ${entry.route.limitBytes} bytes`);
      if (typeof status === 'number' && status >= 400 && status < 500) return refuseRequest(req, res, status, message);
      next(err);
    });
  };
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q < 0 ? u : u.slice(0, q);
}
