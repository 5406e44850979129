import { Injectable, Logger } from '@nestjs/common';
import { ClusterMapService } from './cluster-map.service';
import { ClusterLock } from '../common/cluster-lock';
import { ClusterSecretsService } from '../auth/cluster-secrets.service';

/** What a rotation answers: the new key's id and the map version that carries it. */
export interface KeyRotation {
  keyId: string;
  clusterMapVersion: number;
}

/**
 * Rotates the controller's keys, each followed by a new map (under the
 * ClusterLock): the map-signing key through an endorsement by the old one
 * (agents follow it from the key they pinned, even if they were away), the
 * user-token key with the old one kept in the map until its tokens expire.
 */
@Injectable()
export class KeyRotationService {
  private readonly logger = new Logger(KeyRotationService.name);

  constructor(
    private readonly secrets: ClusterSecretsService,
    private readonly clusterMap: ClusterMapService,
    private readonly lock: ClusterLock,
  ) {}

  rotateMapKey(): Promise<KeyRotation> {
    return this.lock.run(async () => {
      const keyId = await this.secrets.rotateMapKey();
      const map = await this.clusterMap.publish(`map-signing key rotated to ${keyId}`);
      this.logger.log(`map-signing key rotated to ${keyId}`);
      return { keyId, clusterMapVersion: map.version };
    });
  }

  rotateTokenKey(): Promise<KeyRotation> {
    return this.lock.run(async () => {
      const keyId = await this.secrets.rotateTokenKey();
      const map = await this.clusterMap.publish(`token key rotated to ${keyId}`);
      this.logger.log(`token key rotated to ${keyId}`);
      return { keyId, clusterMapVersion: map.version };
    });
  }
}
