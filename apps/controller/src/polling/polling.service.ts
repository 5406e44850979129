import { Injectable } from '@nestjs/common';
import { AgentCallError, AgentClient } from '../cluster-map/agent.client';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { MetricsService } from '../health/metrics.service';
import { PollOutcome, RegistryService } from '../registry/registry.service';

/**
 * One round of health polls: every ACTIVE or DISCONNECTED agent at once,
 * each with its own timeout; the registry then applies the outcomes. The
 * scheduler calls pollOnce on an interval; tests call it directly.
 */
@Injectable()
export class PollingService {
  private round?: Promise<void>;

  constructor(
    private readonly registry: RegistryService,
    private readonly client: AgentClient,
    private readonly metrics: MetricsService,
    private readonly clusterMap: ClusterMapService,
  ) {}

  /** Polls every agent once; a call made while a round is running joins that round. */
  pollOnce(): Promise<void> {
    this.round ??= this.pollAll().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  /** Resolves when no round is running (shutdown waits for it). */
  async idle(): Promise<void> {
    await this.round?.catch(() => undefined);
  }

  private async pollAll(): Promise<void> {
    const targets = await this.registry.pollTargets();
    const outcomes = await Promise.all(
      targets.map(async (service): Promise<PollOutcome> => {
        try {
          const health = await this.client.health(service);
          this.metrics.countPoll('ok');
          return { service, health };
        } catch (error) {
          this.metrics.countPoll('failed');
          // 401: the agent does not know the key the controller signs with now (it missed a key rotation
          // while away). The map push proves the new key with the endorsement it carries.
          if (error instanceof AgentCallError && error.status === 401) this.clusterMap.noteAgentVersion(service, 0);
          return { service, error: error as Error };
        }
      }),
    );
    await this.registry.applyPollOutcomes(outcomes);
  }
}
