import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The controller's schema as of 0.1: services, storage options, rings,
 * users and the cluster state. The statements are what TypeORM generates for
 * the entities on each driver (so that a migrated database and the entities
 * agree exactly; `database.module.spec.ts` checks there is no drift).
 *
 * Databases made before migrations existed had this schema created by
 * `synchronize`; for them every table already exists and nothing is done.
 */
const TABLES: { name: string; sqlite: string[]; postgres: string[] }[] = [
  {
    name: 'storage_options',
    sqlite: [
      'CREATE TABLE "storage_options" ("name" varchar(63) PRIMARY KEY NOT NULL, "replicas" integer NOT NULL, "writeQuorum" integer NOT NULL, "readQuorum" integer NOT NULL, "placement" text, "createdAt" bigint NOT NULL, "updatedAt" bigint NOT NULL)',
    ],
    postgres: [
      'CREATE TABLE "storage_options" ("name" character varying(63) NOT NULL, "replicas" integer NOT NULL, "writeQuorum" integer NOT NULL, "readQuorum" integer NOT NULL, "placement" text, "createdAt" bigint NOT NULL, "updatedAt" bigint NOT NULL, CONSTRAINT "PK_9cea675363715195b30e7e3bb0b" PRIMARY KEY ("name"))',
    ],
  },
  {
    name: 'services',
    sqlite: [
      'CREATE TABLE "services" ("name" varchar(63) PRIMARY KEY NOT NULL, "url" varchar(2048) NOT NULL, "region" varchar(63) NOT NULL, "backend" varchar(16) NOT NULL, "status" varchar(16) NOT NULL, "weight" double precision NOT NULL, "weightSource" varchar(16) NOT NULL, "capacityTotalBytes" bigint, "capacityUsedBytes" bigint, "writeMBps" double precision, "readMBps" double precision, "distancesMs" text NOT NULL, "registeredAt" bigint NOT NULL, "updatedAt" bigint NOT NULL, "lastSeenAt" bigint)',
    ],
    postgres: [
      'CREATE TABLE "services" ("name" character varying(63) NOT NULL, "url" character varying(2048) NOT NULL, "region" character varying(63) NOT NULL, "backend" character varying(16) NOT NULL, "status" character varying(16) NOT NULL, "weight" double precision NOT NULL, "weightSource" character varying(16) NOT NULL, "capacityTotalBytes" bigint, "capacityUsedBytes" bigint, "writeMBps" double precision, "readMBps" double precision, "distancesMs" text NOT NULL, "registeredAt" bigint NOT NULL, "updatedAt" bigint NOT NULL, "lastSeenAt" bigint, CONSTRAINT "PK_019d74f7abcdcb5a0113010cb03" PRIMARY KEY ("name"))',
    ],
  },
  {
    name: 'rings',
    sqlite: [
      'CREATE TABLE "rings" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "option" varchar(63) NOT NULL, "slot" varchar(16) NOT NULL, "version" bigint NOT NULL, "createdAt" bigint NOT NULL, "checksum" varchar(128) NOT NULL, "data" text NOT NULL, "replicas" integer NOT NULL, "partitionPower" integer NOT NULL, "members" text NOT NULL, "stats" text NOT NULL)',
      'CREATE UNIQUE INDEX "IDX_21835f5135d0b9ed7c4d0e47d4" ON "rings" ("option", "slot")',
    ],
    postgres: [
      'CREATE TABLE "rings" ("id" SERIAL NOT NULL, "option" character varying(63) NOT NULL, "slot" character varying(16) NOT NULL, "version" bigint NOT NULL, "createdAt" bigint NOT NULL, "checksum" character varying(128) NOT NULL, "data" text NOT NULL, "replicas" integer NOT NULL, "partitionPower" integer NOT NULL, "members" text NOT NULL, "stats" text NOT NULL, CONSTRAINT "PK_4d35f39ef3285a233f79eb889dc" PRIMARY KEY ("id"))',
      'CREATE UNIQUE INDEX "IDX_21835f5135d0b9ed7c4d0e47d4" ON "rings" ("option", "slot")',
    ],
  },
  {
    name: 'users',
    sqlite: [
      'CREATE TABLE "users" ("username" varchar(63) PRIMARY KEY NOT NULL, "role" varchar(16) NOT NULL, "passwordHash" varchar(256) NOT NULL, "createdAt" bigint NOT NULL, "updatedAt" bigint NOT NULL)',
    ],
    postgres: [
      'CREATE TABLE "users" ("username" character varying(63) NOT NULL, "role" character varying(16) NOT NULL, "passwordHash" character varying(256) NOT NULL, "createdAt" bigint NOT NULL, "updatedAt" bigint NOT NULL, CONSTRAINT "PK_fe0bb3f6520ee0469504521e710" PRIMARY KEY ("username"))',
    ],
  },
  {
    name: 'cluster_state',
    sqlite: ['CREATE TABLE "cluster_state" ("key" varchar(64) PRIMARY KEY NOT NULL, "value" text NOT NULL)'],
    postgres: [
      'CREATE TABLE "cluster_state" ("key" character varying(64) NOT NULL, "value" text NOT NULL, CONSTRAINT "PK_a7685e9b21e714594cbb0e94179" PRIMARY KEY ("key"))',
    ],
  },
];

export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    for (const table of TABLES) {
      if (await runner.hasTable(table.name)) continue;
      for (const statement of postgres ? table.postgres : table.sqlite) await runner.query(statement);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await runner.query(`DROP TABLE IF EXISTS "${table.name}"`);
  }
}
