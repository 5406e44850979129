import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../database/column-types';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  username!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: string;

  /** scrypt hash (see @mcos/common hashPassword); never the password. */
  @Column({ type: 'varchar', length: 256 })
  passwordHash!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  updatedAt!: number;

  /** Lowest token generation accepted (cluster-wide sequence; null on rows from before generations = 0). */
  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  tokenGeneration!: number | null;

  /** Set while the user's data is being purged: the name cannot be re-created meanwhile. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  deletingAt!: number | null;
}
