import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../database/column-types';

@Entity({ name: 'storage_options' })
export class OptionEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'integer' })
  replicas!: number;

  @Column({ type: 'integer' })
  writeQuorum!: number;

  @Column({ type: 'integer' })
  readQuorum!: number;

  @Column({ type: 'simple-json', nullable: true })
  placement!: { regions?: string[]; services?: string[] } | null;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  updatedAt!: number;
}
