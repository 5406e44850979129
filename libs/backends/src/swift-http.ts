import * as http from 'node:http';
import * as https from 'node:https';

import {
  BackendConflictError,
  BackendError,
  BackendUnavailableError,
  InvalidRangeError,
  ObjectNotFoundError,
  PreconditionFailedError,
} from './backend.errors';

// The HTTP side of the swift driver: one request at a time, with the
// token, the `100 Continue` dance for streamed bodies, and Swift's answers
// mapped onto the backend errors. Auth lives in swift-auth.ts, large
// objects in swift-large-objects.ts.

/** How long a streamed PUT waits for `100 Continue` before sending anyway (servers that never answer it). */
const CONTINUE_WAIT_MS = 2000;
const ERROR_BODY_MAX = 2048;

export interface Endpoint {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** Path of the account, no trailing slash, already URL-encoded (e.g. `/v1/AUTH_test`). */
  basePath: string;
}

/** A token and the storage URL it is valid for. */
export interface Session {
  token: string;
  storage: Endpoint;
  /** ms since epoch; undefined when the auth service did not say. */
  expiresAt?: number;
}

/** Where `SwiftHttp` gets its token (swift-auth.ts). */
export interface SessionSource {
  /** A session that is not about to expire (authenticates when needed). */
  current(): Promise<Session>;
  /** The storage answered 401 to this session: the next `current()` authenticates again. */
  rejected(session: Session): void;
}

/** A Swift answer that is not the expected one; kept as the `cause` of the mapped error. */
export class SwiftHttpError extends Error {
  constructor(
    readonly method: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`swift ${method} answered HTTP ${status}${body ? `: ${body.trim().slice(0, 200)}` : ''}`);
    this.name = 'SwiftHttpError';
  }
}

/** A body sent whole, or written by the function once the server asked for it. */
export type RequestBody = Buffer | ((req: http.ClientRequest) => Promise<void>);

export interface SendResult {
  res: http.IncomingMessage;
  /** Whether a streamed body started flowing (false: the server answered before `100 Continue`). */
  bodyStarted: boolean;
}

/** Keep-alive connections and bare requests, without a token (auth uses it too). */
export class SwiftTransport {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  /** `timeoutMs`: a request whose socket stays idle this long fails (also while connecting). */
  constructor(private readonly timeoutMs: number) {}

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /**
   * One request. A streamed body is sent with `Expect: 100-continue` and
   * starts flowing when the server asks for it (or after CONTINUE_WAIT_MS);
   * an answer that comes first ends the request with the body untouched.
   */
  send(target: Endpoint, method: string, path: string, headers: Record<string, string>, body: RequestBody | undefined): Promise<SendResult> {
    const streamed = typeof body === 'function';
    return new Promise<SendResult>((resolve, reject) => {
      const lib = target.protocol === 'https:' ? https : http;
      const req = lib.request({
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method,
        path,
        headers: streamed ? { ...headers, expect: '100-continue' } : headers,
        agent: target.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
        timeout: this.timeoutMs,
      });
      let bodyStarted = false;
      let bodyFailure: unknown;
      let waitTimer: NodeJS.Timeout | undefined;
      req.on('timeout', () => req.destroy(new Error(`no activity for ${this.timeoutMs} ms`)));
      req.on('error', (err) => {
        clearTimeout(waitTimer);
        reject(bodyFailure ?? err);
      });
      req.on('response', (res) => {
        clearTimeout(waitTimer);
        if (streamed && (!bodyStarted || res.statusCode !== 201)) {
          // Answered before (or without) taking the whole body: this request is over.
          res.on('end', () => req.destroy());
        }
        resolve({ res, bodyStarted });
      });
      if (!streamed) {
        req.end(body);
        return;
      }
      const start = () => {
        if (bodyStarted || req.destroyed) return;
        bodyStarted = true;
        clearTimeout(waitTimer);
        (body as (r: http.ClientRequest) => Promise<void>)(req).then(
          () => req.end(),
          (err: unknown) => {
            bodyFailure = err;
            req.destroy(err as Error);
          },
        );
      };
      req.on('continue', start);
      waitTimer = setTimeout(start, CONTINUE_WAIT_MS);
      req.flushHeaders();
    });
  }
}

/** Requests to the storage URL with a valid token, and Swift's answers mapped onto the backend errors. */
export class SwiftHttp {
  constructor(
    private readonly transport: SwiftTransport,
    private readonly sessions: SessionSource,
  ) {}

  /**
   * One request to the storage URL with a valid token; on a 401 the token is
   * renewed and the request repeated once — for a streamed body only if it
   * has not started to flow (see the driver's class doc). Network failures
   * become BackendUnavailableError; the body's own failure stays
   * BodyStreamError. `key` names the object in error messages.
   */
  async call(
    method: string,
    path: string,
    query: Record<string, string> | undefined,
    headers: Record<string, string>,
    body: RequestBody | undefined,
    key: string,
  ): Promise<http.IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      const session = await this.sessions.current();
      const fullPath = session.storage.basePath + path + (query ? `?${new URLSearchParams(query).toString().replace(/\+/g, '%20')}` : '');
      let result: SendResult;
      try {
        result = await this.transport.send(session.storage, method, fullPath, { ...headers, 'x-auth-token': session.token }, body);
      } catch (err) {
        if (err instanceof BackendError) throw err;
        throw new BackendUnavailableError(`swift ${method} ${JSON.stringify(key)}: ${(err as Error)?.message ?? err}`, { cause: err });
      }
      const { res, bodyStarted } = result;
      if (res.statusCode !== 401) return res;
      // Expired or revoked: the next request authenticates again.
      this.sessions.rejected(session);
      if (attempt > 0 || bodyStarted) return res;
      res.resume();
    }
  }

  /** A JSON answer; 204 is an empty list. `ofContainer`: a 404 means the container is missing (BackendUnavailableError). */
  async json<T>(method: string, path: string, query: Record<string, string>, key: string, ofContainer = false): Promise<T> {
    const res = await this.call(method, path, query, { accept: 'application/json' }, undefined, key);
    if (res.statusCode === 204) {
      res.resume();
      return [] as T;
    }
    if (res.statusCode !== 200) throw await this.failure(res, method, key, ofContainer);
    const text = await readText(res, Number.MAX_SAFE_INTEGER);
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new BackendUnavailableError(`swift ${method} answered with invalid JSON`, { cause: err });
    }
  }

  /** Drains a 201, or maps whatever else came (a 404 means the container is missing). */
  async expectCreated(res: http.IncomingMessage, method: string, key: string): Promise<void> {
    if (res.statusCode === 201) {
      res.resume();
      return;
    }
    throw await this.failure(res, method, key, true);
  }

  /** Reads (a bounded part of) an unexpected answer and maps it. `containerLevel`: a 404 means the container is missing. */
  async failure(res: http.IncomingMessage, method: string, key: string, containerLevel = false): Promise<BackendError> {
    const text = await readText(res, ERROR_BODY_MAX).catch(() => '');
    const err = new SwiftHttpError(method, res.statusCode ?? 0, text);
    if (containerLevel && res.statusCode === 404) return new BackendUnavailableError(`swift container missing (${err.message})`, { cause: err });
    return mapStatus(err, key);
  }
}

function mapStatus(err: SwiftHttpError, key: string): BackendError {
  switch (err.status) {
    case 404:
      return new ObjectNotFoundError(key, { cause: err });
    case 412:
      return new PreconditionFailedError(key, { cause: err });
    case 416:
      return new InvalidRangeError(err.message, { cause: err });
    case 409:
      return new BackendConflictError(err.message, { cause: err });
    default:
      return new BackendUnavailableError(err.message, { cause: err });
  }
}

/** The body as text, of which at most `max` bytes are kept (the rest is drained). */
export function readText(res: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < max) parts.push(c);
      size += c.length;
    });
    res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    res.on('error', reject);
  });
}

/** Writes chunks to the request with back-pressure; stops quietly if the request is gone. */
export function pumpChunks(chunks: AsyncIterable<Buffer>): (req: http.ClientRequest) => Promise<void> {
  return async (req) => {
    for await (const chunk of chunks) {
      if (req.destroyed) throw new Error('request aborted');
      if (!req.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            req.off('drain', done);
            req.off('close', done);
            resolve();
          };
          req.on('drain', done);
          req.on('close', done);
        });
      }
    }
  };
}

export function parseEndpoint(url: string): Endpoint {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`swift: unsupported URL ${url}`);
  return {
    protocol: u.protocol,
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80,
    basePath: u.pathname.replace(/\/+$/, ''),
  };
}

/** The path of a container below the account. */
export function containerPath(container: string): string {
  return `/${encodeURIComponent(container)}`;
}

/** The path of an object below the account: each `/`-separated part percent-encoded (UTF-8); dots stay, and nothing normalises the path on the way. */
export function objectPath(container: string, name: string): string {
  return `${containerPath(container)}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

export function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** An ETag header as lower-case hex, without quotes. */
export function unquote(etag: string | string[] | undefined): string {
  return (Array.isArray(etag) ? etag[0] : (etag ?? '')).replace(/"/g, '').toLowerCase();
}
