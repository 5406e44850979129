import { Injectable, Logger } from '@nestjs/common';
import type { ClusterMap } from '@mcos/common';
import { MetricsService } from '../health/metrics.service';
import { AgentClient } from './agent.client';

export interface PushTarget {
  name: string;
  url: string;
}

interface AgentPushState {
  /** The newest version the agent is known to hold. */
  held: number;
  inFlight?: Promise<void>;
  /** The newest map waiting for the push in flight to finish. */
  next?: { target: PushTarget; map: ClusterMap };
}

/**
 * Delivers cluster maps to agents in the background. Per agent, at most one
 * push is in flight and a newer map waiting behind it replaces any older one
 * waiting, so an agent is never sent versions out of order and never sent a
 * version it already holds. Failures are logged and counted; the next poll
 * notices the agent is behind and asks again.
 */
@Injectable()
export class MapPusher {
  private readonly logger = new Logger(MapPusher.name);
  private readonly agents = new Map<string, AgentPushState>();

  constructor(
    private readonly client: AgentClient,
    private readonly metrics: MetricsService,
  ) {}

  /** Queues `map` for `target` unless the agent already holds it or newer. Never waits. */
  push(target: PushTarget, map: ClusterMap): void {
    const state = this.stateOf(target.name);
    if (map.version <= state.held) return;
    if (state.inFlight) {
      if (!state.next || state.next.map.version < map.version) state.next = { target, map };
      return;
    }
    state.inFlight = this.deliver(state, target, map);
  }

  /** What the agent says it holds (poll or registration); it may be older than what we believed. */
  noteHeld(name: string, version: number): void {
    this.stateOf(name).held = version;
  }

  heldBy(name: string): number {
    return this.agents.get(name)?.held ?? 0;
  }

  /** Waits (at most `timeoutMs`) for the pushes in flight; used at shutdown. */
  async drain(timeoutMs: number): Promise<void> {
    const inFlight = [...this.agents.values()].map((s) => s.inFlight).filter((p): p is Promise<void> => p !== undefined);
    if (inFlight.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled(inFlight), timeout]);
    clearTimeout(timer);
  }

  private async deliver(state: AgentPushState, firstTarget: PushTarget, firstMap: ClusterMap): Promise<void> {
    let job: { target: PushTarget; map: ClusterMap } | undefined = { target: firstTarget, map: firstMap };
    while (job) {
      await this.deliverOne(state, job.target, job.map);
      const next: { target: PushTarget; map: ClusterMap } | undefined = state.next;
      state.next = undefined;
      job = next && next.map.version > state.held ? next : undefined;
    }
    state.inFlight = undefined;
  }

  private async deliverOne(state: AgentPushState, target: PushTarget, map: ClusterMap): Promise<void> {
    try {
      const answer = await this.client.pushClusterMap(target, map);
      state.held = answer.version;
      this.metrics.countPush(answer.accepted ? 'accepted' : 'stale');
      this.logger.debug(`map v${map.version} -> ${target.name}: ${answer.accepted ? 'accepted' : `kept v${answer.version}`}`);
    } catch (error) {
      this.metrics.countPush('failed');
      this.logger.warn(`map v${map.version} -> ${target.name} failed: ${(error as Error).message}`);
    }
  }

  private stateOf(name: string): AgentPushState {
    let state = this.agents.get(name);
    if (!state) {
      state = { held: 0 };
      this.agents.set(name, state);
    }
    return state;
  }
}
