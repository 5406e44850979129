import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AccessKeyEntity } from './access-key.entity';

export interface StoredAccessKey {
  accessKeyId: string;
  owner: string;
  secret: string;
  /** The owner's token generation at creation. */
  generation: number;
  createdAt: number;
  lastUsedAt?: number;
}

@Injectable()
export class AccessKeyRepository {
  constructor(@InjectRepository(AccessKeyEntity) private readonly rows: Repository<AccessKeyEntity>) {}

  async findAll(): Promise<StoredAccessKey[]> {
    return (await this.rows.find({ order: { accessKeyId: 'ASC' } })).map(toDomain);
  }

  async findByOwner(owner: string): Promise<StoredAccessKey[]> {
    return (await this.rows.find({ where: { owner }, order: { createdAt: 'ASC', accessKeyId: 'ASC' } })).map(toDomain);
  }

  async save(key: StoredAccessKey): Promise<void> {
    await this.rows.save(Object.assign(new AccessKeyEntity(), { ...key, lastUsedAt: key.lastUsedAt ?? null }));
  }

  /** Deletes the keys named; returns how many existed. */
  async delete(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.rows.delete({ accessKeyId: In(ids) })).affected ?? 0;
  }

  /** Moves lastUsedAt forward (never back) for each key named. */
  async noteUsed(usedAt: Map<string, number>): Promise<void> {
    for (const [accessKeyId, at] of usedAt) {
      await this.rows
        .createQueryBuilder()
        .update()
        .set({ lastUsedAt: at })
        .where('"accessKeyId" = :accessKeyId AND ("lastUsedAt" IS NULL OR "lastUsedAt" < :at)', { accessKeyId, at })
        .execute();
    }
  }
}

function toDomain(row: AccessKeyEntity): StoredAccessKey {
  const key: StoredAccessKey = { accessKeyId: row.accessKeyId, owner: row.owner, secret: row.secret, generation: row.generation, createdAt: row.createdAt };
  if (row.lastUsedAt !== null && row.lastUsedAt !== undefined) key.lastUsedAt = row.lastUsedAt;
  return key;
}
