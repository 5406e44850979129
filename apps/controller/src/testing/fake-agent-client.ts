import { type AgentHealth, type ClusterMap, type PushClusterMapResponse } from '@mcos/common';
import { AgentCallError, type AgentClient, type AgentTarget } from '../cluster-map/agent.client';
import type { PublicOf } from './in-memory-repositories';

/** A scripted agent as FakeAgentClient sees it. */
export interface FakeAgent {
  up: boolean;
  held: number;
  name?: string;
  containersByOption?: Record<string, number>;
  indexByOption?: Record<string, { objects: number; bytes: number }>;
  /** When set, pushes wait for it before answering. */
  gate?: Promise<void>;
  /** Refuses polls with 401 until a push reaches it (an agent that missed a key rotation). */
  refusesPolls?: boolean;
}

/** AgentClient without HTTP: agents are entries keyed by URL; every push is recorded. */
export class FakeAgentClient implements PublicOf<AgentClient> {
  readonly agents = new Map<string, FakeAgent>();
  readonly pushes: { url: string; version: number }[] = [];

  add(url: string, agent: Partial<FakeAgent> = {}): FakeAgent {
    const entry: FakeAgent = { up: true, held: 0, ...agent };
    this.agents.set(url, entry);
    return entry;
  }

  pushedTo(url: string): number[] {
    return this.pushes.filter((p) => p.url === url).map((p) => p.version);
  }

  /** Tests may also ask by URL. */
  async health(target: AgentTarget | string): Promise<AgentHealth> {
    const agent = this.reachable(typeof target === 'string' ? target : target.url);
    if (agent.refusesPolls) throw new AgentCallError('GET /v1/agent/health answered 401: invalid service assertion signature', { status: 401 });
    return {
      name: agent.name ?? '',
      clusterMapVersion: agent.held,
      ringVersions: {},
      distancesMs: {},
      indexByOption: agent.indexByOption ?? {},
      containersByOption: agent.containersByOption ?? {},
      progress: { scanned: 0, pushed: 0, moved: 0, deleted: 0, corrupt: 0, failures: 0, oldestUnreplicatedMs: 0, remainingByOption: {} },
    };
  }

  async pushClusterMap(target: AgentTarget, map: ClusterMap): Promise<PushClusterMapResponse> {
    const url = target.url;
    this.pushes.push({ url, version: map.version });
    const agent = this.reachable(url);
    await agent.gate;
    const accepted = map.version > agent.held;
    if (accepted) agent.held = map.version;
    agent.refusesPolls = false;
    return { accepted, version: agent.held };
  }

  private reachable(url: string): FakeAgent {
    const agent = this.agents.get(url);
    if (!agent || !agent.up) throw new AgentCallError(`${url} unreachable`);
    return agent;
  }
}
