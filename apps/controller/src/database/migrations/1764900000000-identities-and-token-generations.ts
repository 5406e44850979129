import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13 (security): each agent's own identity key and its revocation /
 * re-admission on `services`; the per-user token generation and the
 * DELETING mark on `users`. Nullable columns only, so existing rows stay
 * valid: a service without a key registered before agents had keys, a user
 * without a generation has generation 0.
 */
const COLUMNS: { table: string; name: string; sqlite: string; postgres: string }[] = [
  { table: 'services', name: 'publicKey', sqlite: 'varchar(1024)', postgres: 'character varying(1024)' },
  { table: 'services', name: 'revokedAt', sqlite: 'bigint', postgres: 'bigint' },
  { table: 'services', name: 'readmittedAt', sqlite: 'bigint', postgres: 'bigint' },
  { table: 'users', name: 'tokenGeneration', sqlite: 'bigint', postgres: 'bigint' },
  { table: 'users', name: 'deletingAt', sqlite: 'bigint', postgres: 'bigint' },
];

export class IdentitiesAndTokenGenerations1764900000000 implements MigrationInterface {
  name = 'IdentitiesAndTokenGenerations1764900000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    for (const column of COLUMNS) {
      if (await runner.hasColumn(column.table, column.name)) continue;
      await runner.query(`ALTER TABLE "${column.table}" ADD "${column.name}" ${postgres ? column.postgres : column.sqlite}`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const column of [...COLUMNS].reverse()) await runner.query(`ALTER TABLE "${column.table}" DROP COLUMN "${column.name}"`);
  }
}
