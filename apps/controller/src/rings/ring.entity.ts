import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../database/column-types';
import type { RingMember, RingStats } from './stored-ring';

/** Slot `current` is the ring in use; `previous` the one before it (reads during migration). */
@Entity({ name: 'rings' })
@Index(['option', 'slot'], { unique: true })
export class RingEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 63 })
  option!: string;

  @Column({ type: 'varchar', length: 16 })
  slot!: 'current' | 'previous';

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  version!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;

  @Column({ type: 'varchar', length: 128 })
  checksum!: string;

  @Column({ type: 'text' })
  data!: string;

  @Column({ type: 'integer' })
  replicas!: number;

  @Column({ type: 'integer' })
  partitionPower!: number;

  @Column({ type: 'simple-json' })
  members!: RingMember[];

  @Column({ type: 'simple-json' })
  stats!: RingStats;
}
