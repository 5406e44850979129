import { Injectable, OnModuleInit } from '@nestjs/common';
import { createPrivateKey, KeyObject } from 'node:crypto';
import {
  Clock,
  endorseMapKey,
  generateEd25519KeyPair,
  keyIdOf,
  type MapKeyLink,
  publicKeyPemOf,
  type TokenKeyEntry,
} from '@mcos/common';
import { ControllerConfig } from '../config/controller-config';
import { StateRepository } from '../database/state.repository';

/** The map-signing chain and the private key of its last link, as stored (one row). */
interface StoredMapKeys {
  chain: MapKeyLink[];
  privateKeyPem: string;
}

/** A user-token signing key as stored: the current one has no retiredAt. */
interface StoredTokenKey {
  kid: string;
  privateKeyPem: string;
  /** ms since epoch; the key verifies tokens until retiredAt + token lifetime. */
  retiredAt?: number;
}

/** A stored token key with its public half derived once. */
type LoadedTokenKey = StoredTokenKey & { publicKeyPem: string };

/**
 * The cluster's own secrets, made on first start and kept in the database:
 * - the map-signing key (Ed25519) and its endorsement chain: it signs every
 *   cluster map and the controller's service assertions; agents pin it;
 * - the user-token keys by key id (the current one signs, retired ones still
 *   verify until their tokens have expired).
 * There is no shared cluster credential any more: each agent has its own
 * key (see ServiceIdentityService). A database from before keeps the old
 * credential only so that agents registered then can prove who they are
 * once, when they register their first key.
 * Rotations run under the ClusterLock and are followed by a new map.
 */
@Injectable()
export class ClusterSecretsService implements OnModuleInit {
  private legacy?: string;
  private tokenKeyList: LoadedTokenKey[] = [];
  private currentToken?: { kid: string; privateKey: KeyObject; publicKeyPem: string };
  private chain: MapKeyLink[] = [];
  private mapPrivateKey?: KeyObject;

  constructor(
    private readonly state: StateRepository,
    private readonly config: ControllerConfig,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    this.legacy = await this.state.get('clusterCredential');
    await this.loadTokenKeys();
    await this.loadMapKeys();
  }

  /** The pre-key shared credential of an upgraded cluster (undefined on clusters made since). */
  get legacyCredential(): string | undefined {
    return this.legacy;
  }

  /** PEM of the key that signs new user tokens. */
  get tokenPublicKeyPem(): string {
    return this.required(this.currentToken).publicKeyPem;
  }

  get tokenPrivateKey(): KeyObject {
    return this.required(this.currentToken).privateKey;
  }

  get tokenKeyId(): string {
    return this.required(this.currentToken).kid;
  }

  /** Keys whose tokens may still be valid now: the current one and recently retired ones. */
  tokenKeys(): TokenKeyEntry[] {
    const now = this.clock.now();
    return this.tokenKeyList
      .filter((k) => k.retiredAt === undefined || k.retiredAt + this.config.tokenTtlSeconds * 1000 > now)
      .map((k) => ({ kid: k.kid, publicKey: k.publicKeyPem }));
  }

  /** The controller's signing keys, oldest first (see @mcos/common verifyClusterMap). */
  get mapKeys(): MapKeyLink[] {
    return this.chain;
  }

  get mapSigningKey(): KeyObject {
    return this.required(this.mapPrivateKey);
  }

  /** Makes a new token key; the old one keeps verifying until its tokens expire. Caller publishes a map. */
  async rotateTokenKey(): Promise<string> {
    const now = this.clock.now();
    const fresh = generateEd25519KeyPair();
    const list: StoredTokenKey[] = this.tokenKeyList.map(({ kid, privateKeyPem, retiredAt }) => ({ kid, privateKeyPem, retiredAt: retiredAt ?? now }));
    const ttlMs = this.config.tokenTtlSeconds * 1000;
    const kept = list.filter((k) => k.retiredAt === undefined || k.retiredAt + ttlMs > now);
    kept.push({ kid: keyIdOf(fresh.publicKeyPem), privateKeyPem: fresh.privateKeyPem });
    await this.state.set('tokenKeys', JSON.stringify(kept));
    this.useTokenKeys(kept);
    return this.tokenKeyId;
  }

  /**
   * Makes a new map-signing key endorsed by the current one. Agents follow
   * the endorsement from the key they pinned, so none needs to be online
   * now. Caller publishes a map.
   */
  async rotateMapKey(): Promise<string> {
    const fresh = generateEd25519KeyPair();
    const chain = [...this.chain, endorseMapKey(fresh.publicKeyPem, this.mapSigningKey)];
    // One row for the chain and its last private key: they can never disagree.
    await this.state.set('mapKeyChain', JSON.stringify({ chain, privateKeyPem: fresh.privateKeyPem } satisfies StoredMapKeys));
    this.chain = chain;
    this.mapPrivateKey = createPrivateKey(fresh.privateKeyPem);
    return keyIdOf(fresh.publicKeyPem);
  }

  private async loadTokenKeys(): Promise<void> {
    const stored = await this.state.get('tokenKeys');
    if (stored) {
      this.useTokenKeys(JSON.parse(stored) as StoredTokenKey[]);
      return;
    }
    // Databases from before key ids: the single token key becomes the first one.
    const legacy = await this.state.get('tokenPrivateKey');
    const privateKeyPem = legacy ?? generateEd25519KeyPair().privateKeyPem;
    const list: StoredTokenKey[] = [{ kid: keyIdOf(publicKeyPemOf(privateKeyPem)), privateKeyPem }];
    const kept = await this.state.setIfAbsent('tokenKeys', JSON.stringify(list));
    this.useTokenKeys(JSON.parse(kept) as StoredTokenKey[]);
  }

  private useTokenKeys(list: StoredTokenKey[]): void {
    const loaded = list.map((k) => ({ ...k, publicKeyPem: publicKeyPemOf(k.privateKeyPem) }));
    const current = loaded.find((k) => k.retiredAt === undefined);
    if (!current) throw new Error('cluster state holds no current token key');
    this.tokenKeyList = loaded;
    this.currentToken = { kid: current.kid, privateKey: createPrivateKey(current.privateKeyPem), publicKeyPem: current.publicKeyPem };
  }

  private async loadMapKeys(): Promise<void> {
    const pair = generateEd25519KeyPair();
    const fresh: StoredMapKeys = { chain: [endorseMapKey(pair.publicKeyPem)], privateKeyPem: pair.privateKeyPem };
    const stored = JSON.parse(await this.state.setIfAbsent('mapKeyChain', JSON.stringify(fresh))) as StoredMapKeys;
    const last = stored.chain[stored.chain.length - 1];
    if (!last || last.keyId !== keyIdOf(publicKeyPemOf(stored.privateKeyPem))) {
      throw new Error('cluster state: the map-signing key is not the last link of its chain; restore the database');
    }
    this.chain = stored.chain;
    this.mapPrivateKey = createPrivateKey(stored.privateKeyPem);
  }

  private required<T>(value: T | undefined): T {
    if (value === undefined) throw new Error('Cluster secrets are not loaded yet');
    return value;
  }
}
