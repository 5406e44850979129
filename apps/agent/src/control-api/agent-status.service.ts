import { Injectable } from '@nestjs/common';
import { ObjectBackend } from '@mcos/backends';
import { AgentHealth, BadRequestError, ClusterMap, PushClusterMapResponse } from '@mcos/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { AgentIdentity } from '../config/agent-identity';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { PeerHealth } from '../peers/peer-health';
import { BackgroundProgressTracker } from '../repair/progress';

/** The agent's answers to the controller: health for polls, and pushed maps. */
@Injectable()
export class AgentStatusService {
  constructor(
    private readonly identity: AgentIdentity,
    private readonly map: ClusterMapService,
    private readonly index: ObjectIndexRepository,
    private readonly backend: ObjectBackend,
    private readonly peers: PeerHealth,
    private readonly progress: BackgroundProgressTracker,
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
      progress: this.progress.snapshot(),
    };
  }

  async acceptPush(map: ClusterMap): Promise<PushClusterMapResponse> {
    if (!map || typeof map.version !== 'number' || !Array.isArray(map.rings) || !Array.isArray(map.services)) {
      throw new BadRequestError('body must be a cluster map');
    }
    const accepted = await this.map.accept(map);
    return { accepted, version: this.map.version };
  }
}
