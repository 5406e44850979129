import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Small cluster-wide facts (map version, secrets, flags) as key/value rows. */
@Entity({ name: 'cluster_state' })
export class StateEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;
}
