import type { PublicOf } from '../testing/in-memory-repositories';
import type { AccessKeyRepository, StoredAccessKey } from './access-key.repository';

/** Test double of AccessKeyRepository (same contract, in memory). */
export class InMemoryAccessKeyRepository implements PublicOf<AccessKeyRepository> {
  readonly rows = new Map<string, StoredAccessKey>();

  async findAll(): Promise<StoredAccessKey[]> {
    return [...this.rows.values()].sort((a, b) => (a.accessKeyId < b.accessKeyId ? -1 : 1)).map((k) => structuredClone(k));
  }

  async findByOwner(owner: string): Promise<StoredAccessKey[]> {
    return [...this.rows.values()]
      .filter((k) => k.owner === owner)
      .sort((a, b) => a.createdAt - b.createdAt || (a.accessKeyId < b.accessKeyId ? -1 : 1))
      .map((k) => structuredClone(k));
  }

  async save(key: StoredAccessKey): Promise<void> {
    this.rows.set(key.accessKeyId, structuredClone(key));
  }

  async delete(ids: string[]): Promise<number> {
    return ids.filter((id) => this.rows.delete(id)).length;
  }

  async noteUsed(usedAt: Map<string, number>): Promise<void> {
    for (const [id, at] of usedAt) {
      const row = this.rows.get(id);
      if (row && (row.lastUsedAt ?? 0) < at) row.lastUsedAt = at;
    }
  }
}
