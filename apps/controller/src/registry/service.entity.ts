import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber, doubleAsNumber } from '../database/column-types';

@Entity({ name: 'services' })
export class ServiceEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ type: 'varchar', length: 63 })
  region!: string;

  @Column({ type: 'varchar', length: 16 })
  backend!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: string;

  @Column({ type: 'double precision', transformer: doubleAsNumber })
  weight!: number;

  @Column({ type: 'varchar', length: 16 })
  weightSource!: string;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  capacityTotalBytes!: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  capacityUsedBytes!: number | null;

  @Column({ type: 'double precision', nullable: true, transformer: doubleAsNumber })
  writeMBps!: number | null;

  @Column({ type: 'double precision', nullable: true, transformer: doubleAsNumber })
  readMBps!: number | null;

  @Column({ type: 'simple-json' })
  distancesMs!: Record<string, number>;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  registeredAt!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  updatedAt!: number;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  lastSeenAt!: number | null;

  /** PEM (SPKI) of the agent's Ed25519 identity key; null for a service that registered before agents had keys. */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  publicKey!: string | null;

  /** When an admin revoked the service's identity (it is out of the map; its assertions are refused). */
  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  revokedAt!: number | null;

  /** When an admin re-admitted the REMOVED service: its next registration may bring a new identity. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  readmittedAt!: number | null;
}
