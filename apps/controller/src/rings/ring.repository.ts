import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RingEntity } from './ring.entity';
import type { StoredRing } from './stored-ring';

export interface RingPair {
  current: StoredRing;
  previous?: StoredRing;
}

@Injectable()
export class RingRepository {
  constructor(@InjectRepository(RingEntity) private readonly rows: Repository<RingEntity>) {}

  /** Current (and previous) ring of every option that has one, by option name. */
  async findAll(): Promise<Map<string, RingPair>> {
    const rows = await this.rows.find({ order: { option: 'ASC' } });
    const pairs = new Map<string, RingPair>();
    for (const row of rows.filter((r) => r.slot === 'current')) pairs.set(row.option, { current: toDomain(row) });
    for (const row of rows.filter((r) => r.slot === 'previous')) {
      const pair = pairs.get(row.option);
      if (pair) pair.previous = toDomain(row);
    }
    return pairs;
  }

  async count(): Promise<number> {
    return this.rows.countBy({ slot: 'current' });
  }

  /** Makes `ring` its option's current ring; the old current becomes previous, the old previous goes. */
  async replace(ring: StoredRing): Promise<void> {
    await this.rows.manager.transaction(async (manager) => {
      const repo = manager.getRepository(RingEntity);
      await repo.delete({ option: ring.option, slot: 'previous' });
      await repo.update({ option: ring.option, slot: 'current' }, { slot: 'previous' });
      await repo.insert(toEntity(ring, 'current'));
    });
  }

  async deleteForOption(option: string): Promise<void> {
    await this.rows.delete({ option });
  }
}

function toDomain(row: RingEntity): StoredRing {
  return {
    option: row.option,
    version: row.version,
    createdAt: row.createdAt,
    checksum: row.checksum,
    data: row.data,
    replicas: row.replicas,
    partitionPower: row.partitionPower,
    members: row.members,
    stats: row.stats,
  };
}

function toEntity(ring: StoredRing, slot: RingEntity['slot']): Partial<RingEntity> {
  return { ...ring, slot };
}
