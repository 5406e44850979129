import { Inject, Injectable } from '@nestjs/common';
import axios, { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import http from 'node:http';
import {
  CLIENT_ADDRESS_HEADER,
  ClusterMap,
  DomainError,
  JOIN_TOKEN_HEADER,
  LEGACY_CLUSTER_CREDENTIAL_HEADER,
  RegisterServiceRequest,
  RegisterServiceResponse,
  SERVICE_ASSERTION_HEADER,
  UnauthorizedError,
  UnavailableError,
} from '@mcos/common';

/** DI token of the ControllerClientOptions. */
export const CONTROLLER_CLIENT_OPTIONS = Symbol('ControllerClientOptions');

export interface ControllerClientOptions {
  url: string;
  joinToken: string;
  timeoutMs: number;
  /** This agent's service assertion for the controller (signed with its own key; cached by the signer). */
  assertion: () => string;
}

/**
 * The agent's one HTTP client to the controller: registration, the cluster
 * map, and user logins forwarded on the user's behalf. Transport failures
 * become UnavailableError ("controller unreachable"), so callers can fall
 * back to the persisted map.
 */
@Injectable()
export class ControllerClient {
  private readonly http: AxiosInstance;

  constructor(@Inject(CONTROLLER_CLIENT_OPTIONS) private readonly options: ControllerClientOptions) {
    this.http = axios.create({
      baseURL: options.url,
      timeout: options.timeoutMs,
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  /**
   * Registers with the join token; the assertion proves this agent holds the
   * key in `request.publicKey`. `legacyCredential`: the old shared
   * credential of an agent registered before it had a key (sent once).
   */
  async register(request: RegisterServiceRequest, legacyCredential?: string): Promise<RegisterServiceResponse> {
    const headers: Record<string, string> = { [JOIN_TOKEN_HEADER]: this.options.joinToken, [SERVICE_ASSERTION_HEADER]: this.options.assertion() };
    if (legacyCredential) headers[LEGACY_CLUSTER_CREDENTIAL_HEADER] = legacyCredential;
    const res = await this.send(() => this.http.post('/v1/services/register', request, { headers }));
    return this.body<RegisterServiceResponse>(res, 'register');
  }

  /**
   * Tells the controller this agent leaves cleanly (SHUTOFF). Sent on a
   * fresh connection and tried twice: it is the agent's last word, and a
   * kept-alive socket the controller just closed must not swallow it.
   */
  async deregister(name: string): Promise<void> {
    const attempt = async () => {
      const res = await this.send(() =>
        this.http.post(`/v1/services/${encodeURIComponent(name)}/deregister`, undefined, {
          headers: { [SERVICE_ASSERTION_HEADER]: this.options.assertion(), connection: 'close' },
          httpAgent: new http.Agent({ keepAlive: false }),
        }),
      );
      this.body(res, 'deregister');
    };
    try {
      await attempt();
    } catch (err) {
      if (!(err instanceof UnavailableError)) throw err;
      await attempt();
    }
  }

  /** The current map (unverified here: ClusterMapService.accept verifies it). */
  async fetchClusterMap(): Promise<ClusterMap> {
    const res = await this.send(() => this.http.get('/v1/cluster-map', { headers: { [SERVICE_ASSERTION_HEADER]: this.options.assertion() } }));
    return this.body<ClusterMap>(res, 'cluster map');
  }

  /**
   * Forwards a user's login; the controller's own 4xx answer (and its
   * Retry-After, on 429) is passed through. The user's address goes along
   * with this agent's assertion, so the controller throttles guesses per
   * user address and not per agent.
   */
  async login(username: string, password: string, clientAddress?: string): Promise<{ status: number; body: unknown; retryAfter?: string }> {
    const headers: Record<string, string> = { [SERVICE_ASSERTION_HEADER]: this.options.assertion() };
    if (clientAddress) headers[CLIENT_ADDRESS_HEADER] = clientAddress;
    const res = await this.send(() => this.http.post('/v1/auth/login', { username, password }, { headers }));
    if (res.status >= 500) throw new UnavailableError(`controller answered ${res.status} to a login`);
    const retryAfter = res.headers['retry-after'] as string | undefined;
    return retryAfter === undefined ? { status: res.status, body: res.data } : { status: res.status, body: res.data, retryAfter };
  }

  private async send(call: () => Promise<AxiosResponse>): Promise<AxiosResponse> {
    try {
      return await call();
    } catch (err) {
      throw new UnavailableError(`controller ${this.options.url} unreachable: ${(err as AxiosError).code ?? (err as Error).message}`, {
        cause: err,
      });
    }
  }

  private body<T>(res: AxiosResponse, what: string): T {
    if (res.status >= 200 && res.status < 300) return res.data as T;
    const detail = typeof res.data === 'object' && res.data ? JSON.stringify(res.data) : String(res.data);
    if (res.status === 401 || res.status === 403) throw new UnauthorizedError(`controller refused ${what}: ${detail}`);
    if (res.status >= 500) throw new UnavailableError(`controller failed ${what} (${res.status}): ${detail}`);
    throw new DomainError('BAD_REQUEST', `controller rejected ${what} (${res.status}): ${detail}`);
  }
}
