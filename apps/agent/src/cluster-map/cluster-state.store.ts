import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ClusterMap } from '@mcos/common';

/**
 * Persists what the agent must survive a restart with, even while the
 * controller is down: the last cluster map it accepted and the cluster
 * credential. Files are written atomically (temp + fsync + rename) and the
 * credential is readable by the owner only.
 */
export class ClusterStateStore {
  private readonly mapFile: string;
  private readonly credentialFile: string;

  constructor(dataDir: string) {
    this.mapFile = join(dataDir, 'cluster-map.json');
    this.credentialFile = join(dataDir, 'cluster-credential');
  }

  async loadMap(): Promise<ClusterMap | undefined> {
    const text = await readIfExists(this.mapFile);
    return text === undefined ? undefined : (JSON.parse(text) as ClusterMap);
  }

  async saveMap(map: ClusterMap): Promise<void> {
    await writeAtomic(this.mapFile, JSON.stringify(map), 0o644);
  }

  async loadCredential(): Promise<string | undefined> {
    return (await readIfExists(this.credentialFile))?.trim() || undefined;
  }

  async saveCredential(credential: string): Promise<void> {
    await writeAtomic(this.credentialFile, credential, 0o600);
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writeAtomic(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await fs.open(tmp, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}
