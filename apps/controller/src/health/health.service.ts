import { Injectable } from '@nestjs/common';
import { UnavailableError } from '@mcos/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { StateRepository } from '../database/state.repository';

export interface HealthView {
  status: 'ok';
  clusterMapVersion: number;
}

@Injectable()
export class HealthService {
  constructor(
    private readonly state: StateRepository,
    private readonly clusterMap: ClusterMapService,
  ) {}

  /** @throws UnavailableError the database does not answer. */
  async check(): Promise<HealthView> {
    try {
      await this.state.ping();
    } catch (cause) {
      throw new UnavailableError('database unavailable', { cause });
    }
    return { status: 'ok', clusterMapVersion: this.clusterMap.version };
  }
}
