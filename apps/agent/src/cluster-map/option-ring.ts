import { Ring } from '@mcos/ring';
import type { RingEntry } from '@mcos/common';

/**
 * One storage option's ring as the agent uses it: service names instead of
 * ring indices. The only place in the agent that touches @mcos/ring.
 */
export class OptionRing {
  private readonly names: string[];
  private readonly scratch: Uint16Array;

  private constructor(
    readonly option: string,
    readonly version: number,
    private readonly ring: Ring,
  ) {
    this.names = Array.from({ length: ring.services.length }, (_, i) => ring.serviceAt(i).id);
    this.scratch = new Uint16Array(ring.replicas);
  }

  /** Decodes and verifies a ring from the cluster map (throws on a corrupt one). */
  static decode(entry: RingEntry): OptionRing {
    const ring = Ring.deserialize(Buffer.from(entry.data, 'base64'));
    if (ring.checksum !== entry.checksum) {
      throw new Error(`ring of option ${entry.option} v${entry.version}: checksum ${ring.checksum} differs from the map's ${entry.checksum}`);
    }
    return new OptionRing(entry.option, entry.version, ring);
  }

  partitionOf(account: string, container: string, name: string): number {
    return this.ring.partitionOf(account, container, name);
  }

  primaries(partition: number): string[] {
    const idx = this.ring.primaries(partition, this.scratch);
    return Array.from(idx, (i) => this.names[i]);
  }

  handoffs(partition: number): string[] {
    return this.ring.handoffs(partition).map((i) => this.names[i]);
  }
}
