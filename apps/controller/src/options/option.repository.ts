import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { StorageOption } from '@mcos/common';
import { OptionEntity } from './option.entity';

export interface StoredOption extends StorageOption {
  createdAt: number;
  updatedAt: number;
}

@Injectable()
export class OptionRepository {
  constructor(@InjectRepository(OptionEntity) private readonly rows: Repository<OptionEntity>) {}

  async findAll(): Promise<StoredOption[]> {
    const rows = await this.rows.find({ order: { name: 'ASC' } });
    return rows.map(toDomain);
  }

  async findByName(name: string): Promise<StoredOption | undefined> {
    const row = await this.rows.findOneBy({ name });
    return row ? toDomain(row) : undefined;
  }

  async save(option: StoredOption): Promise<void> {
    await this.rows.save(Object.assign(new OptionEntity(), { ...option, placement: option.placement ?? null }));
  }

  async delete(name: string): Promise<void> {
    await this.rows.delete({ name });
  }
}

function toDomain(row: OptionEntity): StoredOption {
  const option: StoredOption = {
    name: row.name,
    replicas: row.replicas,
    writeQuorum: row.writeQuorum,
    readQuorum: row.readQuorum,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
  if (row.placement) option.placement = row.placement;
  return option;
}
