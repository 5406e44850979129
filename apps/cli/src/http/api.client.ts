import { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { ApiError, CliError, ExitCode } from '../errors/cli.error';

/** Which server a client talks to; used in messages. */
export type ServerKind = 'agent' | 'controller';

export interface ApiClientOptions {
  baseUrl: string;
  kind: ServerKind;
  token?: string;
  /** Socket inactivity allowed before the request fails (ms). */
  timeoutMs?: number;
}

export interface JsonAnswer<T> {
  status: number;
  body: T;
}

/** A streamed response body with the headers that describe it. */
export interface Download {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** Content-Length, when sent. */
  size?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_ERROR_BODY = 64 * 1024;

/**
 * The CLI's one HTTP client (agent user API and controller admin API): a
 * bearer token, JSON in and out, request and response bodies streamed (never
 * held in memory), non-2xx answers turned into ApiError (exit code from the
 * status) and transport failures into CliError (exit 4), both with a hint.
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly kind: ServerKind;
  private readonly token?: string;
  private readonly timeoutMs: number;
  private readonly agent: HttpAgent;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.kind = options.kind;
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // No keep-alive: a command makes a few calls, and an idle socket must not keep the process alive.
    this.agent = this.baseUrl.startsWith('https:') ? new HttpsAgent({ keepAlive: false }) : new HttpAgent({ keepAlive: false });
  }

  /**
   * A JSON call. `accept` lists non-2xx statuses to return instead of throw;
   * `extraHeaders` go with it (e.g. an object's metadata).
   * @throws ApiError on any other non-2xx answer; CliError when the server cannot be reached.
   */
  async json<T>(method: string, path: string, body?: unknown, accept: number[] = [], extraHeaders: Record<string, string> = {}): Promise<JsonAnswer<T>> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const response = await this.send(method, path, headers, payload);
    if (!isOk(response.statusCode) && !accept.includes(response.statusCode ?? 0)) throw await this.failure(response);
    const text = await readText(response, Number.POSITIVE_INFINITY);
    return { status: response.statusCode ?? 0, body: (text ? parseJson(text) : undefined) as T };
  }

  /** Streams `body` as the request body (Content-Length when `size` is known, else chunked). */
  async upload<T>(method: string, path: string, body: Readable, headers: Record<string, string>, size?: number): Promise<JsonAnswer<T>> {
    const all = { accept: 'application/json', ...headers, ...(size === undefined ? {} : { 'content-length': String(size) }) };
    const response = await this.send(method, path, all, body);
    if (!isOk(response.statusCode)) throw await this.failure(response);
    const text = await readText(response, Number.POSITIVE_INFINITY);
    return { status: response.statusCode ?? 0, body: (text ? parseJson(text) : undefined) as T };
  }

  /** A GET whose body the caller streams. @throws ApiError on a non-2xx answer. */
  async download(path: string, headers: Record<string, string> = {}): Promise<Download> {
    const response = await this.send('GET', path, headers);
    if (!isOk(response.statusCode)) throw await this.failure(response);
    const length = response.headers['content-length'];
    return { status: response.statusCode ?? 0, headers: response.headers, body: response, size: length === undefined ? undefined : Number(length) };
  }

  private send(method: string, path: string, headers: Record<string, string>, body?: Buffer | Readable): Promise<IncomingMessage> {
    const url = new URL(this.baseUrl + path);
    const all: Record<string, string> = { ...headers };
    if (this.token) all.authorization = `Bearer ${this.token}`;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, { method, headers: all, agent: this.agent });
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        if (body && !Buffer.isBuffer(body)) body.unpipe(req);
        req.destroy();
        reject(error instanceof CliError ? error : this.unreachable(error));
      };
      req.setTimeout(this.timeoutMs, () => fail(new CliError(`${this.kind} at ${this.baseUrl} did not answer for ${this.timeoutMs / 1000} s`, ExitCode.server, 'try again; if it persists, check the server')));
      req.on('error', fail);
      req.on('response', (response) => {
        if (settled) return;
        settled = true;
        response.setTimeout(this.timeoutMs, () => response.destroy(new Error(`${this.kind} stopped sending for ${this.timeoutMs / 1000} s`)));
        // The server may answer (e.g. 401) before the whole body was sent: stop sending.
        if (body && !Buffer.isBuffer(body) && !body.readableEnded) {
          body.unpipe(req);
          body.destroy();
        }
        resolve(response);
      });
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        body.once('error', (error) => fail(new CliError(`cannot read the data to send: ${error.message}`, ExitCode.usage)));
        body.pipe(req);
      }
    });
  }

  private unreachable(error: Error): CliError {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code ? `${code}` : error.message;
    const hint = this.kind === 'agent' ? 'is the cluster running (npm start)? is the URL right? (mcos login <agent-url> changes it)' : 'is the controller running? pass --controller URL, or log in again with --controller URL';
    return new CliError(`cannot reach the ${this.kind} at ${this.baseUrl} (${why})`, ExitCode.server, hint, { cause: error });
  }

  /** An ApiError from an error answer: the server's message, and a hint for the usual cases. */
  private async failure(response: IncomingMessage): Promise<ApiError> {
    const status = response.statusCode ?? 0;
    let message = `${this.kind} answered ${status} ${response.statusMessage ?? ''}`.trim();
    let requestId: string | undefined;
    try {
      const text = await readText(response, MAX_ERROR_BODY);
      const body = parseJson(text) as { message?: unknown; error?: unknown; requestId?: unknown };
      if (typeof body.message === 'string' && body.message) message = body.message;
      else if (typeof body.error === 'string' && body.error) message = `${body.error} (${status})`;
      if (typeof body.requestId === 'string') requestId = body.requestId;
    } catch {
      // Not JSON: keep the status line.
    }
    return new ApiError(message, status, hintFor(status, this.kind, requestId));
  }
}

function hintFor(status: number, kind: ServerKind, requestId?: string): string | undefined {
  if (status === 401) return 'your session has expired or is not valid: log in again (mcos login <agent-url>)';
  if (status === 403) return kind === 'controller' ? 'admin commands need an account with the admin role' : 'your account may not do this';
  if (status === 503) return 'the cluster is not ready (no ring yet, or too few agents answer): wait a moment and retry; mcos admin services shows the agents';
  if (status >= 500) return `a server error${requestId ? ` (request id ${requestId})` : ''}: see the ${kind}'s log`;
  return undefined;
}

function isOk(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}

function parseJson(text: string): unknown {
  return JSON.parse(text) as unknown;
}

async function readText(stream: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    if (length + buffer.length > limit) {
      chunks.push(buffer.subarray(0, limit - length));
      stream.destroy();
      break;
    }
    chunks.push(buffer);
    length += buffer.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `/a b/c` -> `/a%20b/c`: each segment of an object name encoded, the slashes kept. */
export function encodeObjectName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

export function objectPath(container: string, name: string): string {
  return `/v1/containers/${encodeURIComponent(container)}/objects/${encodeObjectName(name)}`;
}

export function containerPath(container: string): string {
  return `/v1/containers/${encodeURIComponent(container)}`;
}
