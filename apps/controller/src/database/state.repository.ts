import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { StateEntity } from './state.entity';

/** Keys of the cluster_state table. */
export type StateKey =
  | 'clusterMap'
  | 'ringVersionSeq'
  | 'clusterCredential'
  | 'tokenPrivateKey'
  | 'tokenKeys'
  | 'mapKeyChain'
  | 'userGenerationSeq'
  | 'optionsSeeded'
  | 'accessKeysVersion';

@Injectable()
export class StateRepository {
  constructor(@InjectRepository(StateEntity) private readonly rows: Repository<StateEntity>) {}

  async get(key: StateKey): Promise<string | undefined> {
    const row = await this.rows.findOneBy({ key });
    return row?.value;
  }

  async set(key: StateKey, value: string): Promise<void> {
    await this.rows.save({ key, value });
  }

  /** Stores `value` unless the key already holds one; returns what is stored. */
  async setIfAbsent(key: StateKey, value: string): Promise<string> {
    await this.rows.createQueryBuilder().insert().values({ key, value }).orIgnore().execute();
    return (await this.get(key)) as string;
  }

  async delete(key: StateKey): Promise<void> {
    await this.rows.delete({ key });
  }

  async ping(): Promise<void> {
    await this.rows.query('SELECT 1');
  }
}
