import { Logger } from '@nestjs/common';
import { sign, type KeyObject } from 'node:crypto';
import { type AgentAccessKeysRequest, openAccessKeys, sealingKeyBindingBytes, x25519PublicKeyText } from '@mcos/common';
import type { ClusterMapService } from '../cluster-map/cluster-map.service';
import type { AccessKeysClient } from './access-keys.client';
import type { AccessKeysFiles } from './access-keys-files';
import type { AgentAccessKeyStore } from './agent-access-key.store';

/** Most last-use entries per report: keeps the request well under the controller's JSON body limit. */
const MAX_USES_PER_REPORT = 1000;

export interface AccessKeysSyncSettings {
  /** This agent's name (the sealed set names it). */
  agent: string;
  /** Refetch at least this often, whatever the map says (and report last uses). */
  refreshIntervalMs: number;
}

/**
 * Keeps the agent's access-key store in step with the controller: restores
 * the sealed set from disk at start (so S3 works while the controller is
 * down), refetches when a map announces another accessKeysVersion and at
 * least every refresh interval, and persists every newer sealed set before
 * using it. A failed fetch keeps the held set; a set older than the held
 * one is never taken. One fetch at a time; a request for another while one
 * runs makes one more run after it.
 */
export class AccessKeysSync {
  private readonly logger = new Logger(AccessKeysSync.name);
  private sealingKey?: KeyObject;
  private binding?: { sealingKey: string; sealingKeySignature: string };
  private running?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly settings: AccessKeysSyncSettings,
    private readonly store: AgentAccessKeyStore,
    private readonly files: AccessKeysFiles,
    private readonly client: AccessKeysClient,
    private readonly map: Pick<ClusterMapService, 'current' | 'onChange'>,
    private readonly identityKey: KeyObject,
  ) {}

  /** Loads (or makes) the sealing key and opens the persisted set, if any. */
  async restore(): Promise<void> {
    this.sealingKey = await this.files.loadOrCreateSealingKey();
    const sealingKey = x25519PublicKeyText(this.sealingKey);
    this.binding = { sealingKey, sealingKeySignature: sign(null, sealingKeyBindingBytes(this.settings.agent, sealingKey), this.identityKey).toString('base64url') };
    const saved = await this.files.loadSealedSet();
    if (!saved) return;
    try {
      this.store.install(saved.version, openAccessKeys(saved, this.sealingKey, this.settings.agent));
      this.logger.log(`access keys restored from disk: ${this.store.size} key(s), version ${saved.version}`);
    } catch (err) {
      this.logger.error(`persisted access keys refused (${(err as Error).message}); waiting for the controller`);
    }
  }

  /** Starts the periodic refresh and follows the map's accessKeysVersion. */
  start(): void {
    this.map.onChange((map) => {
      if (map.accessKeysVersion !== undefined && map.accessKeysVersion !== this.store.version) void this.refresh();
    });
    const tick = () => {
      void this.refresh().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.settings.refreshIntervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One fetch (joined by concurrent callers; a call during a fetch makes one more after it). Never rejects. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.fetchOnce();
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async fetchOnce(): Promise<void> {
    if (!this.sealingKey || !this.binding) return;
    const lastUsed = this.store.pendingReport(MAX_USES_PER_REPORT);
    const request: AgentAccessKeysRequest = { ...this.binding };
    if (this.store.version !== undefined) request.haveVersion = this.store.version;
    if (Object.keys(lastUsed).length > 0) request.lastUsed = lastUsed;
    try {
      const answer = await this.client.fetchKeys(request);
      this.store.reported(lastUsed);
      if (this.failing) this.logger.log('access-key fetch works again');
      this.failing = false;
      if (answer.unchanged) return;
      const set = answer.set;
      // Opened before it is kept: a set that does not open is never persisted.
      const keys = openAccessKeys(set, this.sealingKey, this.settings.agent);
      if (this.store.version !== undefined && set.version < this.store.version) return;
      await this.files.saveSealedSet(set);
      if (this.store.install(set.version, keys)) this.logger.log(`access keys version ${set.version}: ${keys.length} key(s)`);
    } catch (err) {
      // Keep the held set: the controller may be down, and S3 must keep working.
      if (!this.failing) this.logger.warn(`access-key fetch failed, keeping ${this.store.size} key(s) of version ${this.store.version ?? 'none'}: ${(err as Error).message}`);
      this.failing = true;
    }
  }
}
