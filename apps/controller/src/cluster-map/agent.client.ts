import { Injectable } from '@nestjs/common';
import {
  type AgentHealth,
  type BackgroundProgress,
  type ClusterMap,
  type PushClusterMapResponse,
  SERVICE_ASSERTION_HEADER,
  UnavailableError,
} from '@mcos/common';
import { ServiceIdentityService } from '../auth/service-identity.service';
import { ControllerConfig } from '../config/controller-config';

/** An agent did not answer, or answered something unusable. */
export class AgentCallError extends UnavailableError {
  constructor(
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.status = options?.status;
  }

  /** The agent's HTTP status, when it answered one. */
  readonly status?: number;
}

/** An agent as the client addresses it: its name is the assertion's audience. */
export interface AgentTarget {
  name: string;
  url: string;
}

/**
 * The controller's one HTTP client towards agents: health polls and map
 * pushes, each with the controller's service assertion addressed to the
 * agent and a timeout. Every transport or protocol failure becomes an
 * AgentCallError.
 */
@Injectable()
export class AgentClient {
  constructor(
    private readonly identities: ServiceIdentityService,
    private readonly config: ControllerConfig,
  ) {}

  async health(target: AgentTarget): Promise<AgentHealth> {
    const body = await this.call(target, '/v1/agent/health', { method: 'GET' }, this.config.pollTimeoutMs);
    return toAgentHealth(body);
  }

  async pushClusterMap(target: AgentTarget, map: ClusterMap): Promise<PushClusterMapResponse> {
    const baseUrl = target.url;
    const body = await this.call(
      target,
      '/v1/agent/cluster-map',
      { method: 'PUT', body: JSON.stringify(map), headers: { 'content-type': 'application/json' } },
      this.config.pushTimeoutMs,
    );
    const response = body as Partial<PushClusterMapResponse>;
    if (typeof response.version !== 'number') throw new AgentCallError(`${baseUrl}: push answer has no version`);
    return { accepted: response.accepted === true, version: response.version };
  }

  private async call(target: AgentTarget, path: string, init: RequestInit, timeoutMs: number): Promise<unknown> {
    const url = `${target.url.replace(/\/+$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string> | undefined),
          [SERVICE_ASSERTION_HEADER]: this.identities.assertionFor(target.name),
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new AgentCallError(`${init.method} ${url} failed: ${describeFetchError(cause)}`, { cause });
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) throw new AgentCallError(`${init.method} ${url} answered ${response.status}: ${text.slice(0, 200)}`, { status: response.status });
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new AgentCallError(`${init.method} ${url} answered invalid JSON`, { cause });
    }
  }
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}

/** Accepts what an agent reports, filling gaps so one sloppy field never breaks a poll. */
export function toAgentHealth(body: unknown): AgentHealth {
  if (typeof body !== 'object' || body === null) throw new AgentCallError('health answer is not an object');
  const raw = body as Partial<AgentHealth>;
  if (typeof raw.clusterMapVersion !== 'number') throw new AgentCallError('health answer has no clusterMapVersion');
  const progress = (raw.progress ?? {}) as Partial<BackgroundProgress>;
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    clusterMapVersion: raw.clusterMapVersion,
    ringVersions: numberRecord(raw.ringVersions),
    capacityTotalBytes: finiteOrUndefined(raw.capacityTotalBytes),
    capacityUsedBytes: finiteOrUndefined(raw.capacityUsedBytes),
    distancesMs: numberRecord(raw.distancesMs),
    indexByOption: objectRecord(raw.indexByOption, (v) => {
      const entry = v as { objects?: unknown; bytes?: unknown };
      return { objects: finiteOrUndefined(entry.objects) ?? 0, bytes: finiteOrUndefined(entry.bytes) ?? 0 };
    }),
    containersByOption: numberRecord(raw.containersByOption),
    progress: {
      scanned: finiteOrUndefined(progress.scanned) ?? 0,
      pushed: finiteOrUndefined(progress.pushed) ?? 0,
      moved: finiteOrUndefined(progress.moved) ?? 0,
      deleted: finiteOrUndefined(progress.deleted) ?? 0,
      corrupt: finiteOrUndefined(progress.corrupt) ?? 0,
      failures: finiteOrUndefined(progress.failures) ?? 0,
      oldestUnreplicatedMs: finiteOrUndefined(progress.oldestUnreplicatedMs) ?? 0,
      remainingByOption: numberRecord(progress.remainingByOption),
      lastPassAt: finiteOrUndefined(progress.lastPassAt),
    },
  };
}

function finiteOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function numberRecord(value: unknown): Record<string, number> {
  return objectRecord(value, finiteOrUndefined);
}

function objectRecord<T>(value: unknown, map: (v: unknown) => T | undefined): Record<string, T> {
  const result: Record<string, T> = {};
  if (typeof value !== 'object' || value === null) return result;
  for (const [key, entry] of Object.entries(value)) {
    const mapped = typeof entry === 'object' || typeof entry === 'number' ? map(entry) : undefined;
    if (mapped !== undefined) result[key] = mapped;
  }
  return result;
}
