import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../database/column-types';

@Entity({ name: 'access_keys' })
export class AccessKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 20 })
  accessKeyId!: string;

  @Index()
  @Column({ type: 'varchar', length: 63 })
  owner!: string;

  /** The secret itself: the controller's database is the one place it is kept in plaintext (agents get it sealed). */
  @Column({ type: 'varchar', length: 64 })
  secret!: string;

  /** The owner's token generation when the key was made: a password reset or a deletion moves it, and the key dies. */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  generation!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;

  /** ms since the epoch, to the minute, as agents report it. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  lastUsedAt!: number | null;
}
