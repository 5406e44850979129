import { request } from 'node:http';
import type { LoginResponse, OptionRingView, ServiceView } from '@mcos/common';
import type { ClusterPlan } from './cluster-plan';

export interface Readiness {
  ready: boolean;
  /** What is still missing, e.g. ["agent-b ACTIVE", "ring standard"]. */
  waitingFor: string[];
}

const PROBE_TIMEOUT_MS = 2_000;

/**
 * Asks the running processes, over HTTP only, whether the cluster is ready:
 * the controller answers, every agent is ACTIVE, every ring the cluster can
 * hold is built, and every agent's user API is open (not 503).
 */
export class ClusterProbe {
  private token?: string;
  /** The admin login was refused (the password was changed through the API). */
  loginRefused = false;

  constructor(
    private readonly plan: ClusterPlan,
    private readonly admin: { username: string; password: string },
  ) {}

  async controllerUp(): Promise<boolean> {
    return (await get(`${this.plan.controller.url}/health`))?.status === 200;
  }

  async check(): Promise<Readiness> {
    const [admin, serving] = await Promise.all([this.adminView(), Promise.all(this.plan.agents.map((a) => this.serving(a.url)))]);
    const waitingFor = [...admin];
    this.plan.agents.forEach((agent, i) => {
      if (!serving[i]) waitingFor.push(`${agent.name} serving`);
    });
    return { ready: waitingFor.length === 0, waitingFor };
  }

  /** Services and rings as the controller sees them; skipped when the admin cannot log in. */
  private async adminView(): Promise<string[]> {
    if (!this.token && !this.loginRefused) await this.login();
    if (this.loginRefused) return [];
    if (!this.token) return ['admin login'];
    const [services, rings] = await Promise.all([this.adminGet<ServiceView[]>('/v1/services'), this.adminGet<OptionRingView[]>('/v1/rings')]);
    if (!services || !rings) return ['controller admin API'];
    const missing: string[] = [];
    for (const agent of this.plan.agents) {
      const status = services.find((s) => s.name === agent.name)?.status ?? 'not registered';
      if (status !== 'ACTIVE') missing.push(`${agent.name} ACTIVE (now ${status})`);
    }
    for (const ring of rings) {
      if (!ring.built && ring.replicas <= this.plan.agents.length) missing.push(`ring ${ring.option}`);
    }
    return missing;
  }

  private async login(): Promise<void> {
    const response = await send('POST', `${this.plan.controller.url}/v1/auth/login`, { username: this.admin.username, password: this.admin.password });
    if (response?.status === 200) this.token = (response.body as LoginResponse).token;
    else if (response?.status === 401) this.loginRefused = true;
  }

  private async adminGet<T>(path: string): Promise<T | undefined> {
    const response = await get(`${this.plan.controller.url}${path}`, this.token);
    if (response?.status === 401) this.token = undefined;
    return response?.status === 200 ? (response.body as T) : undefined;
  }

  /** The user API answers something other than 503 "cluster not ready" (401 without a token is fine). */
  private async serving(url: string): Promise<boolean> {
    const response = await get(`${url}/v1/containers`);
    return response !== undefined && response.status !== 503;
  }
}

export interface Answer {
  status: number;
  body: unknown;
}

function get(url: string, token?: string): Promise<Answer | undefined> {
  return send('GET', url, undefined, token);
}

/**
 * One HTTP call (node:http: fetch refuses some ports, e.g. --base-port 22);
 * undefined when nothing answered (not listening yet, timeout).
 */
export function send(method: string, url: string, body?: unknown, token?: string, extraHeaders: Record<string, string> = {}): Promise<Answer | undefined> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (token) headers.authorization = `Bearer ${token}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve) => {
    const req = request(url, { method, headers, timeout: PROBE_TIMEOUT_MS, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => resolve(undefined));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const isJson = (res.headers['content-type'] ?? '').includes('json');
        try {
          resolve({ status: res.statusCode ?? 0, body: isJson && text ? (JSON.parse(text) as unknown) : text });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end(payload);
  });
}
