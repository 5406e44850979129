import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14 (S3): users' access keys. The statements are what TypeORM
 * generates for AccessKeyEntity on each driver (database.module.spec.ts
 * checks there is no drift).
 */
const SQLITE = [
  'CREATE TABLE "access_keys" ("accessKeyId" varchar(20) PRIMARY KEY NOT NULL, "owner" varchar(63) NOT NULL, "secret" varchar(64) NOT NULL, "generation" bigint NOT NULL, "createdAt" bigint NOT NULL, "lastUsedAt" bigint)',
  'CREATE INDEX "IDX_1d1bfba773c673379a09eb5630" ON "access_keys" ("owner") ',
];
const POSTGRES = [
  'CREATE TABLE "access_keys" ("accessKeyId" character varying(20) NOT NULL, "owner" character varying(63) NOT NULL, "secret" character varying(64) NOT NULL, "generation" bigint NOT NULL, "createdAt" bigint NOT NULL, "lastUsedAt" bigint, CONSTRAINT "PK_265e7fa9f1b366a4d48976da8a4" PRIMARY KEY ("accessKeyId"))',
  'CREATE INDEX "IDX_1d1bfba773c673379a09eb5630" ON "access_keys" ("owner") ',
];

export class AccessKeys1765000000000 implements MigrationInterface {
  name = 'AccessKeys1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    if (await runner.hasTable('access_keys')) return;
    const postgres = runner.connection.options.type === 'postgres';
    for (const statement of postgres ? POSTGRES : SQLITE) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS "access_keys"');
  }
}
