import axios, { type AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import {
  type AgentAccessKeysAnswer,
  type AgentAccessKeysRequest,
  DomainError,
  SERVICE_ASSERTION_HEADER,
  UnauthorizedError,
  UnavailableError,
} from '@mcos/common';

export interface AccessKeysClientOptions {
  url: string;
  timeoutMs: number;
  /** This agent's assertion for the controller (AgentCredentials). */
  assertion: () => string;
}

/** A controller answer passed back to a user as it is. */
export interface ForwardedAnswer {
  status: number;
  body: unknown;
}

/**
 * The controller calls of the access-key feature: the sealed key fetch
 * (this agent's assertion, like every agent -> controller call) and the
 * user's own key requests, forwarded with the user's bearer token. Transport
 * failures become UnavailableError (503), like ControllerClient's.
 */
export class AccessKeysClient {
  private readonly http: AxiosInstance;

  constructor(private readonly options: AccessKeysClientOptions) {
    this.http = axios.create({ baseURL: options.url, timeout: options.timeoutMs, validateStatus: () => true, maxRedirects: 0 });
  }

  /**
   * @throws UnauthorizedError the controller refused this agent (not registered yet, revoked).
   * @throws UnavailableError the controller is unreachable or failed.
   */
  async fetchKeys(request: AgentAccessKeysRequest): Promise<AgentAccessKeysAnswer> {
    const res = await this.send(() => this.http.post('/v1/agent/access-keys', request, { headers: { [SERVICE_ASSERTION_HEADER]: this.options.assertion() } }));
    if (res.status === 200 && isAnswer(res.data)) return res.data;
    // The body is an error message at most: never a secret (those only ever travel sealed).
    const detail = typeof res.data === 'object' && res.data ? JSON.stringify(res.data).slice(0, 500) : String(res.data).slice(0, 500);
    if (res.status === 401 || res.status === 403) throw new UnauthorizedError(`controller refused the access-key fetch: ${detail}`);
    if (res.status >= 500) throw new UnavailableError(`controller failed the access-key fetch (${res.status}): ${detail}`);
    throw new DomainError('BAD_REQUEST', `controller rejected the access-key fetch (${res.status}): ${detail}`);
  }

  /** A user's `/v1/me/keys` request with their token; the controller's answer (a 4xx too) is passed back. */
  async forward(method: 'GET' | 'POST' | 'DELETE', path: string, bearerToken: string): Promise<ForwardedAnswer> {
    const res = await this.send(() => this.http.request({ method, url: path, headers: { authorization: `Bearer ${bearerToken}` } }));
    if (res.status >= 500) throw new UnavailableError(`controller answered ${res.status} to ${method} ${path}`);
    return { status: res.status, body: res.data === '' ? undefined : res.data };
  }

  private async send(call: () => Promise<AxiosResponse>): Promise<AxiosResponse> {
    try {
      return await call();
    } catch (err) {
      throw new UnavailableError(`controller ${this.options.url} unreachable: ${(err as AxiosError).code ?? (err as Error).message}`);
    }
  }
}

function isAnswer(data: unknown): data is AgentAccessKeysAnswer {
  if (typeof data !== 'object' || data === null) return false;
  const answer = data as { unchanged?: unknown; version?: unknown; set?: unknown };
  return answer.unchanged === true ? Number.isSafeInteger(answer.version) : answer.unchanged === false && typeof answer.set === 'object' && answer.set !== null;
}
