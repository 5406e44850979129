import { Injectable, Logger } from '@nestjs/common';
import { verify } from 'node:crypto';
import {
  ACCESS_KEY_ID_PATTERN,
  type AccessKeyView,
  type AgentAccessKeysAnswer,
  type AgentAccessKeysRequest,
  BadRequestError,
  Clock,
  ConflictError,
  type CreatedAccessKey,
  MAX_ACCESS_KEYS_PER_USER,
  NotFoundError,
  parseX25519PublicKey,
  PublicKeyCache,
  sealAccessKeys,
  sealingKeyBindingBytes,
  UnauthorizedError,
} from '@mcos/common';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { ClusterLock } from '../common/cluster-lock';
import { StateRepository } from '../database/state.repository';
import { StoredUser, UserRepository } from '../users/user.repository';
import { newAccessKeyId, newSecretAccessKey } from './access-key-material';
import { AccessKeyRepository, StoredAccessKey } from './access-key.repository';
import { KeyChangeThrottle } from './key-change-throttle';

/** Who asks for a change: an admin for any user, or users for themselves (throttled, see KeyChangeThrottle). */
export type KeyChangeBy = 'admin' | 'self';

/** Most last-used entries one agent report may carry (400 beyond, before any work). */
export const MAX_LAST_USED_ENTRIES = 10_000;
const MINUTE_MS = 60_000;

/**
 * Users' S3 access keys. A key lives as long as its owner's token
 * generation: it records the generation it was made under, and a password
 * reset or a deletion (which move the generation, see UsersService) kills
 * it without any hook in UsersService. Such keys are never listed,
 * counted or handed to agents: agents refuse them on their own from the
 * users' generations in the signed map (so the revocation reaches them with
 * the map pushed for the reset or deletion, even if they cannot fetch keys),
 * and the first fetch or listing that sees them deletes them and bumps the
 * keys version, so they also leave every agent's sealed copy.
 *
 * Making or revoking a key bumps `accessKeysVersion` and publishes a map
 * carrying it; agents refetch their sealed set when it changes (and on
 * every refresh interval otherwise).
 */
@Injectable()
export class AccessKeysService {
  private readonly logger = new Logger(AccessKeysService.name);
  private readonly agentKeys = new PublicKeyCache(4096);
  /** Changes to the keys table so far (see liveKeys). */
  private mutations = 0;
  private cached?: { mapVersion: number; mutations: number; live: StoredAccessKey[] };

  constructor(
    private readonly keys: AccessKeyRepository,
    private readonly users: UserRepository,
    private readonly state: StateRepository,
    private readonly clusterMap: ClusterMapService,
    private readonly lock: ClusterLock,
    private readonly clock: Clock,
    private readonly throttle: KeyChangeThrottle,
  ) {}

  /**
   * Makes a key for `owner`; its secret is in this answer only.
   *
   * @throws NotFoundError no such user (or being deleted).
   * @throws ConflictError the user holds MAX_ACCESS_KEYS_PER_USER keys already.
   * @throws TooManyRequestsError a user changing their own keys too often.
   */
  async create(owner: string, by: KeyChangeBy): Promise<CreatedAccessKey> {
    if (by === 'self') this.throttle.take(owner);
    return this.lock.run(async () => {
      const user = await this.requiredUser(owner);
      const { live, dead } = splitKeys(await this.keys.findByOwner(owner), { [owner]: user.tokenGeneration }, new Set());
      await this.keys.delete(dead);
      if (live.length >= MAX_ACCESS_KEYS_PER_USER) {
        throw new ConflictError(`${owner} already has ${MAX_ACCESS_KEYS_PER_USER} access keys (the most allowed); revoke one first`);
      }
      const key: StoredAccessKey = {
        accessKeyId: newAccessKeyId(),
        owner,
        secret: newSecretAccessKey(),
        generation: user.tokenGeneration,
        createdAt: this.clock.now(),
      };
      await this.keys.save(key);
      await this.bumpVersion(`access key ${key.accessKeyId} of ${owner} created`);
      this.logger.log(`access key ${key.accessKeyId} created for ${owner}`);
      return { accessKeyId: key.accessKeyId, secretAccessKey: key.secret, createdAt: new Date(key.createdAt).toISOString() };
    });
  }

  /** @throws NotFoundError no such user. */
  async list(owner: string): Promise<AccessKeyView[]> {
    const user = await this.requiredUser(owner);
    const { live, dead } = splitKeys(await this.keys.findByOwner(owner), { [owner]: user.tokenGeneration }, new Set());
    await this.prune(dead);
    return live.map(toView);
  }

  /**
   * Revokes one key: gone at every agent with the next map (pushed now).
   *
   * @throws NotFoundError no such user, or the user has no such key.
   * @throws TooManyRequestsError a user changing their own keys too often.
   */
  async revoke(owner: string, accessKeyId: string, by: KeyChangeBy): Promise<void> {
    if (by === 'self') this.throttle.take(owner);
    return this.lock.run(async () => {
      const user = await this.requiredUser(owner);
      const { live, dead } = splitKeys(await this.keys.findByOwner(owner), { [owner]: user.tokenGeneration }, new Set());
      if (!live.some((k) => k.accessKeyId === accessKeyId)) {
        if ((await this.keys.delete(dead)) > 0) await this.bumpVersion(`access keys of ${owner} pruned`);
        throw new NotFoundError(`${owner} has no access key ${accessKeyId}`);
      }
      await this.keys.delete([accessKeyId, ...dead]);
      await this.bumpVersion(`access key ${accessKeyId} of ${owner} revoked`);
      this.logger.log(`access key ${accessKeyId} of ${owner} revoked`);
    });
  }

  /**
   * An agent fetches the cluster's live keys, sealed to the X25519 key it
   * proves with its identity key, and reports when keys were last used
   * at it.
   *
   * @throws UnauthorizedError the sealing key is not signed by the agent's identity key in the map.
   * @throws BadRequestError malformed sealing key or last-used report.
   */
  async forAgent(agent: string, request: AgentAccessKeysRequest): Promise<AgentAccessKeysAnswer> {
    const recipient = parseX25519PublicKey(request.sealingKey);
    if (!recipient) throw new BadRequestError('sealingKey must be a raw X25519 public key (32 bytes, base64url)');
    const lastUsed = this.checkLastUsed(request.lastUsed);
    this.checkBinding(agent, request.sealingKey, request.sealingKeySignature);
    // Read before the keys: a set may be labelled older than what it holds (the agent then fetches once more), never newer,
    // so a set taken before a revocation can never carry the revocation's version.
    const version = await this.version();
    const live = await this.liveKeys();
    if (lastUsed.size > 0) await this.noteUsed(lastUsed, live);
    if (request.haveVersion === version) return { unchanged: true, version };
    return {
      unchanged: false,
      set: sealAccessKeys(
        live.map((k) => ({ accessKeyId: k.accessKeyId, owner: k.owner, generation: k.generation, secret: k.secret })),
        recipient,
        agent,
        version,
      ),
    };
  }

  private checkBinding(agent: string, sealingKey: string, signature: string): void {
    const pem = this.clusterMap.currentMap().services.find((s) => s.name === agent)?.publicKey;
    const key = pem === undefined ? undefined : this.agentKeys.get(pem);
    const sig = Buffer.from(signature, 'base64url');
    if (!key || sig.length !== 64 || !verify(null, sealingKeyBindingBytes(agent, sealingKey), key, sig)) {
      throw new UnauthorizedError(`sealing key not signed by ${agent}'s identity key`);
    }
  }

  private checkLastUsed(report: unknown): Map<string, number> {
    const out = new Map<string, number>();
    if (report === undefined) return out;
    if (typeof report !== 'object' || report === null || Array.isArray(report)) throw new BadRequestError('lastUsed must be an object of access key id -> ms');
    const entries = Object.entries(report as Record<string, unknown>);
    if (entries.length > MAX_LAST_USED_ENTRIES) throw new BadRequestError(`lastUsed may name at most ${MAX_LAST_USED_ENTRIES} keys`);
    const now = this.clock.now();
    for (const [id, at] of entries) {
      if (!ACCESS_KEY_ID_PATTERN.test(id) || typeof at !== 'number' || !Number.isSafeInteger(at) || at <= 0) {
        throw new BadRequestError('lastUsed must map access key ids to ms since the epoch');
      }
      // An agent's clock ahead of ours must not date a use in the future; minutes are all we keep.
      out.set(id, Math.floor(Math.min(at, now) / MINUTE_MS) * MINUTE_MS);
    }
    return out;
  }

  /** Only keys that are live now are touched; anything else an agent names is ignored. */
  private async noteUsed(reported: Map<string, number>, live: StoredAccessKey[]): Promise<void> {
    const byId = new Map(live.map((k) => [k.accessKeyId, k]));
    const accepted = new Map<string, number>();
    for (const [id, at] of reported) {
      const key = byId.get(id);
      if (key && at >= Math.floor(key.createdAt / MINUTE_MS) * MINUTE_MS && (key.lastUsedAt ?? 0) < at) accepted.set(id, at);
    }
    if (accepted.size > 0) await this.keys.noteUsed(accepted);
    // The kept set learns it too, so the same report is not written again.
    for (const [id, at] of accepted) byId.get(id)!.lastUsedAt = at;
  }

  /**
   * Every key whose owner exists, is not being deleted and still has the
   * key's generation; the dead ones are pruned. Every agent asks every
   * refresh interval, so the answer is kept while nothing it depends on can
   * have changed: every change to keys or users publishes a new map, and a
   * change to keys also moves `mutations` before its new version is stored.
   */
  private async liveKeys(): Promise<StoredAccessKey[]> {
    const mapVersion = this.clusterMap.version;
    const mutations = this.mutations;
    if (this.cached?.mapVersion === mapVersion && this.cached.mutations === mutations) return this.cached.live;
    const [all, generations, users] = await Promise.all([this.keys.findAll(), this.users.generations(), this.users.findAll()]);
    const deleting = new Set(users.filter((u) => u.deletingAt !== undefined).map((u) => u.username));
    const { live, dead } = splitKeys(all, generations, deleting);
    if (dead.length > 0) {
      await this.prune(dead);
      return live;
    }
    this.cached = { mapVersion, mutations, live };
    return live;
  }

  /**
   * Deletes dead keys (their owner's password was reset or the owner was
   * deleted) and announces it with a new accessKeysVersion, so every agent
   * drops them from its sealed set too (it refuses them already, from the
   * generations in the map). Not inside the lock: it takes it.
   */
  private async prune(dead: string[]): Promise<void> {
    if (dead.length === 0) return;
    await this.lock.run(async () => {
      const removed = await this.keys.delete(dead);
      if (removed > 0) await this.bumpVersion(`${removed} access key(s) of deleted users or reset passwords pruned`);
    });
  }

  private async version(): Promise<number> {
    return Number((await this.state.get('accessKeysVersion')) ?? '0');
  }

  /**
   * Inside the lock, after the change to the table. `mutations` moves
   * before the new version can be read: a fetch labelled with the new
   * version never reuses a set read before the change (see liveKeys).
   */
  private async bumpVersion(reason: string): Promise<void> {
    this.mutations++;
    await this.state.set('accessKeysVersion', String((await this.version()) + 1));
    await this.clusterMap.publish(reason);
  }

  private async requiredUser(username: string): Promise<StoredUser> {
    const user = await this.users.findByName(username);
    if (!user || user.deletingAt !== undefined) throw new NotFoundError(`No user named ${username}`);
    return user;
  }
}

/** Live keys, and the ids of dead ones: owner gone, being deleted, or their generation moved past the key's. */
function splitKeys(keys: StoredAccessKey[], generations: Record<string, number>, deleting: Set<string>): { live: StoredAccessKey[]; dead: string[] } {
  const live: StoredAccessKey[] = [];
  const dead: string[] = [];
  for (const key of keys) {
    const generation = generations[key.owner];
    if (generation !== undefined && !deleting.has(key.owner) && key.generation >= generation) live.push(key);
    else dead.push(key.accessKeyId);
  }
  return { live, dead };
}

function toView(key: StoredAccessKey): AccessKeyView {
  const view: AccessKeyView = { accessKeyId: key.accessKeyId, createdAt: new Date(key.createdAt).toISOString() };
  if (key.lastUsedAt !== undefined) view.lastUsedAt = new Date(key.lastUsedAt).toISOString();
  return view;
}
