import { Injectable } from '@nestjs/common';
import { ObjectBackend } from '@mcos/backends';
import { AgentHealth, BadRequestError, BackgroundProgress, ClusterMap, PushClusterMapResponse } from '@mcos/common';
import { AgentIdentity } from '../agent-identity';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { PeerHealth } from '../peers/peer-health';

/** The agent's answers to the controller: health for polls, and pushed maps. */
@Injectable()
export class AgentStatusService {
  constructor(
    private readonly identity: AgentIdentity,
    private readonly map: ClusterMapService,
    private readonly index: ObjectIndexRepository,
    private readonly backend: ObjectBackend,
    private readonly peers: PeerHealth,
  ) {}

  async health(): Promise<AgentHealth> {
    const capacity = await this.backend.capacity().catch(() => ({}) as { totalBytes?: number; usedBytes?: number });
    return {
      name: this.identity.name,
      clusterMapVersion: this.map.version,
      ringVersions: this.map.ringVersions(),
      capacityTotalBytes: capacity.totalBytes,
      capacityUsedBytes: capacity.usedBytes,
      distancesMs: this.peers.distances(),
      indexByOption: this.index.objectStatsByOption(),
      containersByOption: this.index.containersByOption(),
      progress: this.progress(),
    };
  }

  async acceptPush(map: ClusterMap): Promise<PushClusterMapResponse> {
    if (!map || typeof map.version !== 'number' || !Array.isArray(map.rings) || !Array.isArray(map.services)) {
      throw new BadRequestError('body must be a cluster map');
    }
    const accepted = await this.map.accept(map);
    return { accepted, version: this.map.version };
  }

  /** Background work is not running yet in this agent: every counter is a true zero. */
  private progress(): BackgroundProgress {
    return { scanned: 0, pushed: 0, moved: 0, deleted: 0, corrupt: 0, failures: 0, oldestUnreplicatedMs: 0, remainingByOption: {} };
  }
}
