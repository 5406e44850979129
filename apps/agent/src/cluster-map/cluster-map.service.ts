import { Injectable, Logger } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import {
  checkMapVersion,
  type ClusterMap,
  CONTROLLER_ISSUER,
  type PinnedMapKey,
  PublicKeyCache,
  type ServiceInfo,
  type StorageOption,
  UnavailableError,
  verifyClusterMap,
} from '@mcos/common';
import { AgentIdentity } from '../config/agent-identity';
import { ClusterStateStore } from './cluster-state.store';
import { OptionRing } from './option-ring';

/** Earlier rings kept per option for reads during migration (several changes may overlap). */
const MAX_PREVIOUS_RINGS = 3;

/**
 * The cluster map this agent holds, with its rings decoded once per version.
 * Every map is verified before use, wherever it comes from (controller push
 * or pull, a peer, the copy on disk): signed by the controller key pinned at
 * the first join, or by a key that key endorsed (rotation; the pin then
 * follows). A map replaces the held one only when its version is newer (and
 * not absurdly so); every accepted map is persisted before it is used, so a
 * restart resumes from it even when the controller is down.
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
  private pinned?: PinnedMapKey;
  private readonly keys = new PublicKeyCache(4096);

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

  /** True once the agent has pinned the controller's key (its first join). */
  get joined(): boolean {
    return this.pinned !== undefined;
  }

  /**
   * Loads the pinned controller key and the persisted map, using the map
   * only if it verifies against the key (a map written there by anyone else
   * is ignored, and the agent waits for the controller).
   */
  async restore(): Promise<void> {
    this.pinned = await this.store.loadPinnedKey();
    const saved = await this.store.loadMap();
    if (!saved) return;
    if (!this.pinned) {
      this.logger.warn('persisted cluster map ignored: no pinned controller key yet (waiting for the controller)');
      return;
    }
    try {
      this.pinned = await this.verified(saved, 0);
      this.install(saved);
      this.logger.log(`resumed from persisted cluster map v${saved.version}`);
    } catch (err) {
      this.logger.error(`persisted cluster map refused (${(err as Error).message}); waiting for the controller`);
    }
  }

  /**
   * Takes a map if it verifies and is newer than the held one; returns
   * whether it did. Invalid rings are refused whole, so a bad push cannot
   * half-apply.
   *
   * @throws BadRequestError malformed or absurd version (400 at the door).
   * @throws UnauthorizedError not signed by the pinned key or a key it endorsed (401).
   * @throws UnavailableError this agent has not joined yet (no pinned key).
   */
  async accept(map: ClusterMap): Promise<boolean> {
    checkMapVersion(map?.version, this.version);
    if (map.version <= this.version) return false;
    if (!this.pinned) throw new UnavailableError('this agent has not joined the cluster yet');
    await this.verified(map, this.version);
    return this.take(map);
  }

  /**
   * The map in the controller's registration answer: at the first join it
   * pins the key that signed it (the answer came over the channel the join
   * token authenticates); later ones are verified like any map.
   */
  async acceptFromRegistration(map: ClusterMap): Promise<boolean> {
    if (this.pinned) return this.accept(map);
    const pinned = verifyClusterMap(map, undefined);
    await this.store.savePinnedKey(pinned);
    this.pinned = pinned;
    this.logger.log(`pinned the controller key ${pinned.keyId} at the first join`);
    return this.take(map);
  }

  /**
   * The key an issuer's assertions to this agent must verify with: the
   * controller's current signing key, or an agent's key from the held map
   * (none for a REMOVED service or one not in the map: revoked).
   */
  issuerKey(issuer: string): KeyObject | undefined {
    if (issuer === CONTROLLER_ISSUER) return this.pinned && this.keys.get(this.pinned.publicKey);
    const service = this.servicesByName.get(issuer);
    if (!service || service.status === 'REMOVED' || !service.publicKey) return undefined;
    return this.keys.get(service.publicKey);
  }

  /**
   * The controller key that signed `map`, when the map verifies from the
   * pinned key (nothing is taken or pinned here). Lets the controller's
   * first push after a key rotation, whose assertion is signed by the new
   * key, prove that key with the map it carries.
   */
  signingKeyOf(map: unknown): KeyObject | undefined {
    if (!this.pinned || typeof map !== 'object' || map === null) return undefined;
    // Only a map that names a key other than the pinned one can teach one (and only then is the full check worth its cost).
    const chain = (map as Partial<ClusterMap>).mapKeys;
    if (!Array.isArray(chain) || chain[chain.length - 1]?.keyId === this.pinned.keyId) return undefined;
    try {
      return this.keys.get(verifyClusterMap(map as ClusterMap, this.pinned, this.version).publicKey);
    } catch {
      return undefined;
    }
  }

  /** Verifies against the pin and moves the pin along a rotation. */
  private async verified(map: ClusterMap, held: number): Promise<PinnedMapKey> {
    const next = verifyClusterMap(map, this.pinned, held);
    if (this.pinned?.keyId !== next.keyId) {
      await this.store.savePinnedKey(next);
      this.logger.log(`controller key rotated: ${this.pinned?.keyId ?? 'none'} -> ${next.keyId}`);
    }
    this.pinned = next;
    return next;
  }

  private async take(map: ClusterMap): Promise<boolean> {
    // Re-checked: another map may have been taken while this one was verified.
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
