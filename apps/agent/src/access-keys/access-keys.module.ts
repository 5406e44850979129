import { Module, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { resolve } from 'node:path';
import { Clock, loadOrCreateIdentityKey, publicKeyPemOf } from '@mcos/common';
import { AgentCredentials } from '../cluster-map/agent-credentials';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { AgentConfig } from '../config/agent-config';
import { S3CredentialStore } from '../s3/auth/s3-credential-store';
import { AccessKeysClient } from './access-keys.client';
import { AccessKeysFiles } from './access-keys-files';
import { AccessKeysSync } from './access-keys-sync';
import { AgentAccessKeyStore } from './agent-access-key.store';

/**
 * Users' S3 access keys at this agent: the store the S3 door verifies
 * signatures with (exported as the `S3CredentialStore` port), kept in step
 * with the controller by AccessKeysSync, and the client the user API's
 * `/v1/keys` routes forward through.
 */
@Module({
  imports: [ClusterMapModule],
  providers: [
    { provide: AccessKeysFiles, useFactory: (config: AgentConfig) => new AccessKeysFiles(resolve(config.dataDir)), inject: [AgentConfig] },
    {
      provide: AccessKeysClient,
      useFactory: (config: AgentConfig, credentials: AgentCredentials) =>
        new AccessKeysClient({ url: config.controllerUrl, timeoutMs: config.requestTimeoutMs, assertion: () => credentials.assertionForController() }),
      inject: [AgentConfig, AgentCredentials],
    },
    { provide: AgentAccessKeyStore, useFactory: (map: ClusterMapService, clock: Clock) => new AgentAccessKeyStore(map, clock), inject: [ClusterMapService, Clock] },
    { provide: S3CredentialStore, useExisting: AgentAccessKeyStore },
    {
      provide: AccessKeysSync,
      useFactory: async (config: AgentConfig, store: AgentAccessKeyStore, files: AccessKeysFiles, client: AccessKeysClient, map: ClusterMapService, credentials: AgentCredentials) => {
        // AgentCredentials (a dependency, so made first) created the identity key; this reads the same file.
        const identityKey = await loadOrCreateIdentityKey(resolve(config.dataDir));
        if (publicKeyPemOf(identityKey) !== credentials.publicKeyPem) throw new Error('identity key changed under the running agent');
        // The agent's own refresh cadence (its peer probes and map pulls) bounds how long a revoked key can live here.
        return new AccessKeysSync({ agent: config.name, refreshIntervalMs: config.peerProbeIntervalMs }, store, files, client, map, identityKey);
      },
      inject: [AgentConfig, AgentAccessKeyStore, AccessKeysFiles, AccessKeysClient, ClusterMapService, AgentCredentials],
    },
  ],
  exports: [S3CredentialStore, AgentAccessKeyStore, AccessKeysClient],
})
export class AccessKeysModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  constructor(private readonly sync: AccessKeysSync) {}

  onModuleInit(): Promise<void> {
    return this.sync.restore();
  }

  onApplicationBootstrap(): void {
    this.sync.start();
  }

  onModuleDestroy(): void {
    this.sync.stop();
  }
}
