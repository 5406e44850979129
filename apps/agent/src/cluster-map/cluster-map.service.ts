import { Injectable, Logger } from '@nestjs/common';
import type { ClusterMap, ServiceInfo, StorageOption } from '@mcos/common';
import { AgentIdentity } from '../config/agent-identity';
import { ClusterStateStore } from './cluster-state.store';
import { OptionRing } from './option-ring';

/** Earlier rings kept per option for reads during migration (several changes may overlap). */
const MAX_PREVIOUS_RINGS = 3;

/**
 * The cluster map this agent holds, with its rings decoded once per version.
 * A map replaces the held one only when its version is newer; every accepted
 * map is persisted before it is used, so a restart resumes from it even when
 * the controller is down.
 */
@Injectable()
export class ClusterMapService {
  private readonly logger = new Logger(ClusterMapService.name);
  private map?: ClusterMap;
  private rings = new Map<string, OptionRing>();
  private previousRingsByOption = new Map<string, OptionRing[]>();
  private servicesByName = new Map<string, ServiceInfo>();
  private optionsByName = new Map<string, StorageOption>();
  private readonly listeners: ((map: ClusterMap, previous?: ClusterMap) => void)[] = [];

  constructor(
    private readonly store: ClusterStateStore,
    private readonly identity: AgentIdentity,
  ) {}

  get version(): number {
    return this.map?.version ?? 0;
  }

  get current(): ClusterMap | undefined {
    return this.map;
  }

  /** True once the agent holds a map with at least one ring: the user API opens. */
  get ready(): boolean {
    return this.rings.size > 0;
  }

  /** Loads the persisted map, if any. */
  async restore(): Promise<void> {
    const saved = await this.store.loadMap();
    if (saved) {
      this.install(saved);
      this.logger.log(`resumed from persisted cluster map v${saved.version}`);
    }
  }

  /**
   * Takes a map if it is newer than the held one; returns whether it did.
   * Invalid rings are refused whole, so a bad push cannot half-apply.
   */
  async accept(map: ClusterMap): Promise<boolean> {
    if (map.version <= this.version) return false;
    const previous = this.map;
    this.install(map);
    await this.store.saveMap(map);
    this.logger.log(`cluster map v${map.version} accepted (was v${previous?.version ?? 0})`);
    for (const listener of this.listeners) listener(map, previous);
    return true;
  }

  onChange(listener: (map: ClusterMap, previous?: ClusterMap) => void): void {
    this.listeners.push(listener);
  }

  ring(option: string): OptionRing | undefined {
    return this.rings.get(option);
  }

  /**
   * Earlier rings of an option whose holders may still have data: the map's
   * previous ring and the one this agent used before the current map (they
   * differ when several ring changes came while data was still moving).
   */
  previousRings(option: string): OptionRing[] {
    return this.previousRingsByOption.get(option) ?? [];
  }

  option(name: string): StorageOption | undefined {
    return this.optionsByName.get(name);
  }

  options(): StorageOption[] {
    return this.map?.options ?? [];
  }

  service(name: string): ServiceInfo | undefined {
    return this.servicesByName.get(name);
  }

  services(): ServiceInfo[] {
    return this.map?.services ?? [];
  }

  /** Every service that may hold data: ACTIVE or only briefly away (not SHUTOFF / REMOVED), and this agent. */
  members(): string[] {
    return this.services()
      .filter((s) => s.status === 'ACTIVE' || s.status === 'DISCONNECTED' || s.name === this.identity.name)
      .map((s) => s.name);
  }

  ringVersions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [option, ring] of this.rings) out[option] = ring.version;
    return out;
  }

  private install(map: ClusterMap): void {
    const rings = new Map(map.rings.map((r) => [r.option, OptionRing.decode(r)] as const));
    const previous = new Map<string, OptionRing[]>();
    const keep = (ring: OptionRing | undefined) => {
      const current = ring && rings.get(ring.option);
      if (!ring || !current || current.version === ring.version) return;
      const list = previous.get(ring.option) ?? [];
      if (!list.some((r) => r.version === ring.version)) list.push(ring);
      previous.set(ring.option, list);
    };
    for (const entry of map.previousRings) keep(OptionRing.decode(entry));
    for (const ring of this.rings.values()) keep(ring);
    for (const list of this.previousRingsByOption.values()) list.forEach(keep);
    for (const [option, list] of previous) {
      previous.set(option, list.sort((a, b) => b.version - a.version).slice(0, MAX_PREVIOUS_RINGS));
    }
    this.map = map;
    this.rings = rings;
    this.previousRingsByOption = previous;
    this.servicesByName = new Map(map.services.map((s) => [s.name, s]));
    this.optionsByName = new Map(map.options.map((o) => [o.name, o]));
  }
}
