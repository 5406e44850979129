import { HybridClock } from '../clock/hybrid-clock';
import type { TestAgent, TestCluster } from '../testing/test-cluster';
import { MultipartGc } from './multipart-gc';
import type { MultipartSettings } from './multipart-settings';
import { MultipartService } from './multipart.service';
import { UploadRecords } from './upload-records';

/** Small parts and a one-minute grace, so specs need neither 5 MiB parts nor real waits. */
export const TEST_MULTIPART_SETTINGS: MultipartSettings = {
  minPartBytes: 1024,
  maxPartBytes: 1 << 20,
  maxKeyBytes: 1024,
  gcGraceMs: 60_000,
  abandonAfterMs: 3600_000,
  gcPartsPerPass: 10_000,
};

/** One agent's multipart classes, wired as MultipartModule wires them, over a TestAgent's data path. */
export function multipartOf(cluster: TestCluster, agent: TestAgent, settings: MultipartSettings = TEST_MULTIPART_SETTINGS) {
  const clock = new HybridClock(agent.name, { now: () => cluster.clock.now() });
  const uploads = new UploadRecords(agent.placement, agent.store, clock);
  const service = new MultipartService(agent.containers, agent.objects, uploads, agent.placement, agent.store, agent.map, agent.registry, clock, settings);
  const gc = new MultipartGc(agent.node.identity, agent.node.index, agent.placement, agent.registry, agent.store, uploads, clock, settings);
  return { service, gc, uploads };
}
