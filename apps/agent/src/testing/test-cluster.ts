import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClusterMap, ManualClock, type RingEntry } from '@mcos/common';
import { HybridClock } from '../clock/hybrid-clock';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { ClusterStateStore } from '../cluster-map/cluster-state.store';
import { ContainersService } from '../objects/containers.service';
import { ListingService } from '../objects/listing.service';
import { type ObjectLimits, ObjectsService } from '../objects/objects.service';
import type { PeerClient } from '../peers/peer-client';
import { PeerHealth } from '../peers/peer-health';
import { PlacementService } from '../placement/placement.service';
import { Auditor, type AuditorPacer, type AuditorSettings } from '../repair/auditor';
import { CorruptReplicaReporter } from '../repair/corrupt-replica-reporter';
import { BackgroundProgressTracker } from '../repair/progress';
import { Replicator, type ReplicatorSettings } from '../repair/replicator';
import { ReplicaWriter } from '../replicas/replica-writer';
import { ReplicatedStore } from '../replicas/replicated-store';
import { TargetRegistry } from '../replicas/target-registry';
import { FakePeerClient } from './fake-peer-client';
import { TestMapSigner, testClusterMap, type TestOption, type TestService } from './test-cluster-map';
import { closeTestNode, createTestNode, type TestNode } from './test-node';
import { asReal } from './typed-fakes';

/** Settings of one agent under test; small and fast by default. */
export interface TestAgentSettings {
  limits: ObjectLimits;
  replicator: ReplicatorSettings;
  auditor: AuditorSettings;
  auditorPacer?: AuditorPacer;
  /** How long a failed peer is skipped (PeerHealth). */
  peerDownForMs: number;
}

const DEFAULT_SETTINGS: TestAgentSettings = {
  limits: { maxObjectBytes: 8 << 20, maxKeyBytes: 1024 },
  // Fast enough that the rate limiter never waits in a spec.
  replicator: { objectsPerSecond: 1_000_000, batchSize: 50, tombstoneRetentionMs: 60_000 },
  auditor: { bytesPerSecond: 1 << 30 },
  peerDownForMs: 30_000,
};

export interface TestClusterArgs {
  services: TestService[];
  options: TestOption[];
  /** Version of the rings built for `options` (1 unless told). */
  ringVersion?: number;
  previousRings?: RingEntry[];
}

/** One agent's classes, wired by hand as the agent's modules wire them, over its node's storage. */
export interface TestAgent {
  name: string;
  node: TestNode;
  map: ClusterMapService;
  health: PeerHealth;
  registry: TargetRegistry;
  store: ReplicatedStore;
  placement: PlacementService;
  listing: ListingService;
  containers: ContainersService;
  objects: ObjectsService;
  progress: BackgroundProgressTracker;
  replicator: Replicator;
  auditor: Auditor;
  reporter: CorruptReplicaReporter;
}

/**
 * N services for a spec: each with its own fs backend and sqlite index in a
 * temp dir, one signed cluster map with a ring per option, one manual wall
 * clock, and a FakePeerClient through which every agent reaches the others'
 * storage in-process. `agent(name)` wires the data path of one of them.
 */
export class TestCluster {
  readonly clock = new ManualClock();
  readonly peers = new FakePeerClient();
  readonly nodes = new Map<string, TestNode>();

  private constructor(
    readonly root: string,
    readonly signer: TestMapSigner,
    readonly map: ClusterMap,
  ) {}

  /**
   * A fresh cluster for each test of the calling describe: created (then `setup` runs) before
   * each test, and after each one left to finish its writes and removed.
   */
  static perTest(args: TestClusterArgs, setup: (cluster: TestCluster) => void | Promise<void>): void {
    let cluster: TestCluster | undefined;
    beforeEach(async () => {
      cluster = TestCluster.create(args);
      await setup(cluster);
    });
    afterEach(async () => {
      await cluster?.idle();
      await cluster?.close();
      cluster = undefined;
    });
  }

  static create(args: TestClusterArgs): TestCluster {
    Logger.overrideLogger(false);
    const root = mkdtempSync(join(tmpdir(), 'mcos-agent-cluster-'));
    const signer = new TestMapSigner();
    const cluster = new TestCluster(root, signer, testClusterMap(signer, args));
    for (const s of args.services) {
      const node = createTestNode(s.name, join(root, 'nodes'), s.region);
      cluster.nodes.set(s.name, node);
      cluster.peers.add(node);
    }
    return cluster;
  }

  node(name: string): TestNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name} in this test cluster`);
    return node;
  }

  async agent(name: string, overrides: Partial<TestAgentSettings> = {}): Promise<TestAgent> {
    const settings = { ...DEFAULT_SETTINGS, ...overrides };
    const node = this.node(name);
    const identity = node.identity;
    const map = new ClusterMapService(new ClusterStateStore(join(this.root, 'state', name)), identity);
    if (!(await map.acceptFromRegistration(this.map))) throw new Error(`agent ${name} refused the test map`);
    const health = new PeerHealth(settings.peerDownForMs, () => this.clock.now());
    const peers = asReal<PeerClient>(this.peers);
    const registry = new TargetRegistry(identity, node.local, peers, map, health, { peerSeenWithinMs: 60_000 });
    const store = new ReplicatedStore(registry, new ReplicaWriter());
    const placement = new PlacementService(map);
    const listing = new ListingService(map, registry);
    const hybrid = new HybridClock(name, this.clock);
    const containers = new ContainersService(map, placement, store, listing, node.index, hybrid);
    const progress = new BackgroundProgressTracker();
    const auditor = new Auditor(identity, node.backend, node.index, node.local, registry, map, placement, progress, settings.auditor, settings.auditorPacer);
    const reporter = new CorruptReplicaReporter(identity, node.index, auditor);
    const objects = new ObjectsService(containers, placement, store, listing, map, hybrid, reporter, settings.limits);
    const replicator = new Replicator(identity, node.index, node.local, peers, registry, placement, progress, settings.replicator, this.clock);
    return { name, node, map, health, registry, store, placement, listing, containers, objects, progress, replicator, auditor, reporter };
  }

  /** Resolves once every write has finished, local or through a peer, including those left after a quorum answer. */
  async idle(): Promise<void> {
    for (;;) {
      await this.peers.idle();
      for (const node of this.nodes.values()) await node.local.idle();
      if (this.peers.busy === 0 && [...this.nodes.values()].every((n) => n.local.busy === 0)) return;
    }
  }

  async close(): Promise<void> {
    for (const node of this.nodes.values()) await closeTestNode(node);
    rmSync(this.root, { recursive: true, force: true });
  }
}
