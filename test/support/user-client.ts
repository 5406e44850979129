import { http } from './http';

export interface RawResult {
  status: number;
  headers: Headers;
  body: Buffer;
  json<T = any>(): T;
}

export function encodeName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

/** A user of the MCOS user API at one agent, speaking only HTTP. */
export class UserClient {
  constructor(
    readonly agentUrl: string,
    readonly token: string,
  ) {}

  static async login(agentUrl: string, username: string, password: string): Promise<UserClient> {
    const r = await http<{ token: string }>('POST', `${agentUrl}/v1/auth/login`, { body: { username, password } });
    if (r.status !== 200) throw new Error(`login at ${agentUrl} failed: ${r.status} ${JSON.stringify(r.body)}`);
    return new UserClient(agentUrl, r.body.token);
  }

  /** The same user at another agent (tokens are valid at every agent). */
  at(agentUrl: string): UserClient {
    return new UserClient(agentUrl, this.token);
  }

  async request(method: string, path: string, options: { body?: Buffer | string; headers?: Record<string, string>; token?: string | null } = {}): Promise<RawResult> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.token : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${this.agentUrl}${path}`, {
      method,
      headers,
      body: options.body,
      signal: AbortSignal.timeout(60_000),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body, json: <T>() => JSON.parse(body.toString('utf8')) as T };
  }

  createContainer(name: string, option?: string): Promise<RawResult> {
    return this.request('PUT', `/v1/containers/${encodeURIComponent(name)}`, {
      body: JSON.stringify(option ? { option } : {}),
      headers: { 'content-type': 'application/json' },
    });
  }

  putObject(container: string, name: string, data: Buffer, headers: Record<string, string> = {}): Promise<RawResult> {
    return this.request('PUT', `/v1/containers/${encodeURIComponent(container)}/objects/${encodeName(name)}`, { body: data, headers });
  }

  getObject(container: string, name: string, headers: Record<string, string> = {}): Promise<RawResult> {
    return this.request('GET', `/v1/containers/${encodeURIComponent(container)}/objects/${encodeName(name)}`, { headers });
  }

  statObject(container: string, name: string): Promise<RawResult> {
    return this.request('GET', `/v1/containers/${encodeURIComponent(container)}/objects/${encodeName(name)}?stat`);
  }

  deleteObject(container: string, name: string): Promise<RawResult> {
    return this.request('DELETE', `/v1/containers/${encodeURIComponent(container)}/objects/${encodeName(name)}`);
  }

  listObjects(container: string, query = ''): Promise<RawResult> {
    return this.request('GET', `/v1/containers/${encodeURIComponent(container)}/objects${query ? `?${query}` : ''}`);
  }
}
