import { DynamicModule, Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { join, resolve } from 'node:path';
import { createBackend, ObjectBackend } from '@mcos/backends';
import { AgentIdentity } from './agent-identity';
import { LoginController } from './auth/login.controller';
import { ClusterCredentialGuard } from './auth/cluster-credential.guard';
import { UserAuthGuard } from './auth/user-auth.guard';
import { HybridClock } from './clock/hybrid-clock';
import { ClusterCredential } from './cluster-map/cluster-credential';
import { ClusterMapService } from './cluster-map/cluster-map.service';
import { ClusterStateStore } from './cluster-map/cluster-state.store';
import { AgentConfig } from './config/agent-config';
import { ContainersController } from './containers/containers.controller';
import { ContainersService, ContainerUsage } from './containers/containers.service';
import { ControllerClient } from './controller-client/controller-client';
import { ReplicaTargets } from './data-path/replica-targets';
import { ReplicatedStore } from './data-path/replicated-store';
import { AgentApiController } from './health/agent-api.controller';
import { AgentStatusService } from './health/agent-status.service';
import { IndexRebuilder } from './index/index-rebuilder';
import { ObjectIndexRepository } from './index/object-index.repository';
import { MembershipService } from './lifecycle/membership.service';
import { ObjectRequests } from './objects/object-requests';
import { ObjectsController } from './objects/objects.controller';
import { ObjectsService } from './objects/objects.service';
import { PeerClient } from './peers/peer-client';
import { PeerHealth } from './peers/peer-health';
import { PeerController } from './peers/peer.controller';
import { PeerRequests } from './peers/peer-requests';
import { LocalReplicaTarget } from './replicas/local-replica.target';
import { PlacementService } from './data-path/placement.service';
import { Auditor } from './replication/auditor';
import { CorruptReplicaReporter } from './replication/corrupt-replica-reporter';
import { BackgroundWorkService } from './replication/background-work.service';
import { BackgroundProgressTracker } from './replication/progress';
import { Replicator } from './replication/replicator';
import { Md5Worker } from './streams/md5-worker';

/** How long a peer that failed is skipped before it is tried again. */
const PEER_DOWN_MS = 5_000;

/**
 * The agent, wired from its validated config. Plain classes (clients,
 * repositories, the data path) are built here in factories so that every
 * adapter is chosen from config in one place and none reads the environment.
 */
@Module({})
export class AgentModule {
  static forRoot(config: AgentConfig): DynamicModule {
    const dataDir = resolve(config.dataDir);
    return {
      module: AgentModule,
      controllers: [LoginController, ContainersController, ObjectsController, PeerController, AgentApiController],
      providers: [
        { provide: AgentConfig, useValue: config },
        { provide: AgentIdentity, useValue: new AgentIdentity(config.name, config.region, config.url) },
        { provide: ObjectBackend, useFactory: () => createBackend(config.backend.toBackendConfig(join(dataDir, 'objects'))) },
        { provide: ObjectIndexRepository, useFactory: () => new ObjectIndexRepository(join(dataDir, 'index.sqlite')) },
        { provide: IndexRebuilder, useFactory: (b: ObjectBackend, i: ObjectIndexRepository) => new IndexRebuilder(b, i), inject: [ObjectBackend, ObjectIndexRepository] },
        { provide: ClusterStateStore, useValue: new ClusterStateStore(dataDir) },
        { provide: ClusterCredential, useValue: new ClusterCredential() },
        ClusterMapService,
        { provide: HybridClock, useValue: new HybridClock(config.name) },
        { provide: PeerHealth, useValue: new PeerHealth(PEER_DOWN_MS) },
        {
          provide: PeerClient,
          useFactory: (cred: ClusterCredential) => new PeerClient({ credential: () => cred.value ?? '', timeoutMs: config.requestTimeoutMs }),
          inject: [ClusterCredential],
        },
        {
          provide: ControllerClient,
          useValue: new ControllerClient({ url: config.controllerUrl, joinToken: config.joinToken, timeoutMs: config.requestTimeoutMs }),
        },
        {
          provide: LocalReplicaTarget,
          useFactory: (b: ObjectBackend, i: ObjectIndexRepository) => new LocalReplicaTarget(config.name, b, i),
          inject: [ObjectBackend, ObjectIndexRepository],
        },
        {
          provide: ReplicaTargets,
          useFactory: (l: LocalReplicaTarget, c: PeerClient, m: ClusterMapService, h: PeerHealth) => new ReplicaTargets(config.name, l, c, m, h, 3 * config.peerProbeIntervalMs),
          inject: [LocalReplicaTarget, PeerClient, ClusterMapService, PeerHealth],
        },
        // MD5 of large bodies on a worker thread when configured (terminated on shutdown by its onModuleDestroy).
        { provide: Md5Worker, useValue: new Md5Worker(config.md5WorkerThread) },
        { provide: ReplicatedStore, useFactory: (t: ReplicaTargets, w: Md5Worker) => new ReplicatedStore(t, w.source), inject: [ReplicaTargets, Md5Worker] },
        {
          provide: PlacementService,
          useFactory: (m: ClusterMapService, t: ReplicaTargets) => new PlacementService(m, t),
          inject: [ClusterMapService, ReplicaTargets],
        },
        { provide: BackgroundProgressTracker, useValue: new BackgroundProgressTracker() },
        {
          provide: Replicator,
          useFactory: (i: ObjectIndexRepository, l: LocalReplicaTarget, p: PeerClient, t: ReplicaTargets, pl: PlacementService, pr: BackgroundProgressTracker) =>
            new Replicator(config.name, i, l, p, t, pl, pr, {
              objectsPerSecond: config.replication.objectsPerSecond,
              batchSize: config.replication.batchSize,
              tombstoneRetentionMs: config.replication.tombstoneRetentionSeconds * 1000,
            }),
          inject: [ObjectIndexRepository, LocalReplicaTarget, PeerClient, ReplicaTargets, PlacementService, BackgroundProgressTracker],
        },
        {
          provide: Auditor,
          useFactory: (b: ObjectBackend, i: ObjectIndexRepository, l: LocalReplicaTarget, p: PeerClient, t: ReplicaTargets, pl: PlacementService, pr: BackgroundProgressTracker) =>
            new Auditor(config.name, b, i, l, p, t, pl, pr, config.audit.bytesPerSecond),
          inject: [ObjectBackend, ObjectIndexRepository, LocalReplicaTarget, PeerClient, ReplicaTargets, PlacementService, BackgroundProgressTracker],
        },
        BackgroundWorkService,
        {
          provide: CorruptReplicaReporter,
          useFactory: (i: ObjectIndexRepository, refs: ModuleRef) => new CorruptReplicaReporter(config.name, i, () => refs.get(Auditor)),
          inject: [ObjectIndexRepository, ModuleRef],
        },
        {
          // Deleting a container asks ObjectsService whether it is empty; resolved lazily to break the cycle.
          provide: ContainerUsage,
          useFactory: (refs: ModuleRef): ContainerUsage => ({
            isEmpty: (account, container) => refs.get(ObjectsService).isEmpty(account, container),
          }),
          inject: [ModuleRef],
        },
        ContainersService,
        {
          provide: ObjectsService,
          useFactory: (
            m: ClusterMapService,
            c: ContainersService,
            s: ReplicatedStore,
            t: ReplicaTargets,
            i: ObjectIndexRepository,
            p: PeerClient,
            k: HybridClock,
            pl: PlacementService,
            cr: CorruptReplicaReporter,
            b: ObjectBackend,
            w: Md5Worker,
          ) => new ObjectsService(m, c, s, t, i, p, k, pl, cr, { maxObjectBytes: config.maxObjectBytes, maxKeyBytes: b.maxKeyBytes }, w.source),
          inject: [ClusterMapService, ContainersService, ReplicatedStore, ReplicaTargets, ObjectIndexRepository, PeerClient, HybridClock, PlacementService, CorruptReplicaReporter, ObjectBackend, Md5Worker],
        },
        ObjectRequests,
        PeerRequests,
        AgentStatusService,
        MembershipService,
        UserAuthGuard,
        ClusterCredentialGuard,
      ],
    };
  }
}
