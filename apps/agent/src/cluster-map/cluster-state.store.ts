import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type ClusterMap, ensurePrivateDir, ensurePrivateFile, type PinnedMapKey, readIfExists, writePrivateFileAtomic } from '@mcos/common';

/**
 * Persists what the agent must survive a restart with, even while the
 * controller is down: the last cluster map it accepted and the controller
 * key it pinned at its first join (maps are verified against it, on disk
 * too). The data dir is 0700 and every file 0600, written atomically (temp
 * + fsync + rename).
 */
export class ClusterStateStore {
  private readonly mapFile: string;
  private readonly pinnedKeyFile: string;
  private readonly legacyCredentialFile: string;

  constructor(readonly dataDir: string) {
    ensurePrivateDir(dataDir);
    this.mapFile = join(dataDir, 'cluster-map.json');
    this.pinnedKeyFile = join(dataDir, 'controller-key.json');
    this.legacyCredentialFile = join(dataDir, 'cluster-credential');
  }

  /**
   * The shared cluster credential an agent from before per-agent keys kept
   * here: it proves, once, that this agent may register its first key under
   * its old name.
   */
  async loadLegacyCredential(): Promise<string | undefined> {
    return (await readIfExists(this.legacyCredentialFile))?.trim() || undefined;
  }

  /** Once the agent registered with its own key, the old credential is of no use to anyone: it goes. */
  async forgetLegacyCredential(): Promise<void> {
    await fs.rm(this.legacyCredentialFile, { force: true });
  }

  /**
   * The persisted map, unverified (the caller verifies it against the
   * pinned key); undefined when there is none or it is not JSON.
   */
  async loadMap(): Promise<ClusterMap | undefined> {
    const text = await readIfExists(this.mapFile);
    if (text === undefined) return undefined;
    ensurePrivateFile(this.mapFile);
    try {
      return JSON.parse(text) as ClusterMap;
    } catch {
      return undefined;
    }
  }

  async saveMap(map: ClusterMap): Promise<void> {
    await writePrivateFileAtomic(this.mapFile, JSON.stringify(map));
  }

  async loadPinnedKey(): Promise<PinnedMapKey | undefined> {
    const text = await readIfExists(this.pinnedKeyFile);
    if (text === undefined) return undefined;
    ensurePrivateFile(this.pinnedKeyFile);
    const pinned = JSON.parse(text) as Partial<PinnedMapKey>;
    if (typeof pinned.keyId !== 'string' || typeof pinned.publicKey !== 'string') throw new Error(`${this.pinnedKeyFile} is not a pinned controller key`);
    return { keyId: pinned.keyId, publicKey: pinned.publicKey };
  }

  async savePinnedKey(key: PinnedMapKey): Promise<void> {
    await writePrivateFileAtomic(this.pinnedKeyFile, JSON.stringify(key));
  }
}
