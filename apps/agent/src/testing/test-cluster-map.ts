import { createPrivateKey, type KeyObject } from 'node:crypto';
import {
  type ClusterMap,
  endorseMapKey,
  generateEd25519KeyPair,
  type MapKeyLink,
  type RingEntry,
  type ServiceStatus,
  signClusterMap,
  type StorageOption,
} from '@mcos/common';
import { buildRing } from '@mcos/ring';

/** A service in a test map; its URL is a placeholder (peers are reached through FakePeerClient). */
export interface TestService {
  name: string;
  region?: string;
  status?: ServiceStatus;
}

/** A storage option and the services its ring is built over (all ACTIVE ones when absent). */
export interface TestOption extends StorageOption {
  ringOver?: string[];
}

/** Smallest partition power the ring library accepts: specs stay fast. */
export const TEST_PARTITION_POWER = 8;

/** A ring as the map carries it, built over `services` (one region each unless told). */
export function testRing(option: string, version: number, replicas: number, services: TestService[]): RingEntry {
  const { ring } = buildRing({
    option,
    version,
    createdAt: version,
    replicas,
    partitionPower: TEST_PARTITION_POWER,
    services: services.map((s) => ({ id: s.name, region: s.region ?? `region-${s.name}`, weight: 1 })),
  });
  return { option, version, checksum: ring.checksum, data: Buffer.from(ring.serialize()).toString('base64') };
}

/** The controller's side of map trust: one signing key, and maps signed with it. */
export class TestMapSigner {
  private readonly key: KeyObject;
  readonly chain: MapKeyLink[];

  constructor() {
    const pair = generateEd25519KeyPair();
    this.key = createPrivateKey(pair.privateKeyPem);
    this.chain = [endorseMapKey(pair.publicKeyPem)];
  }

  sign(map: ClusterMap): ClusterMap {
    return signClusterMap({ ...map, mapKeys: this.chain }, this.key);
  }
}

/**
 * A signed cluster map with one ring per option (version 1 unless told),
 * plus `previousRings` as given (reads during a migration).
 */
export function testClusterMap(
  signer: TestMapSigner,
  args: { version?: number; services: TestService[]; options: TestOption[]; ringVersion?: number; previousRings?: RingEntry[] },
): ClusterMap {
  const services = args.services.map((s) => ({
    name: s.name,
    url: `http://${s.name}.invalid`,
    region: s.region ?? `region-${s.name}`,
    weight: 1,
    status: s.status ?? 'ACTIVE',
    backend: 'fs' as const,
  }));
  const rings = args.options.map((o) => {
    const over = o.ringOver ?? services.filter((s) => s.status === 'ACTIVE').map((s) => s.name);
    return testRing(o.name, args.ringVersion ?? 1, o.replicas, args.services.filter((s) => over.includes(s.name)));
  });
  return signer.sign({
    version: args.version ?? 1,
    createdAt: 1,
    services,
    options: args.options.map(({ ringOver: _ringOver, ...option }) => option),
    rings,
    previousRings: args.previousRings ?? [],
    tokenPublicKey: 'unused',
  });
}
