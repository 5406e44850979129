import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDir, ensurePrivateFile } from '@mcos/common';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { AccessKeyEntity } from '../access-keys/access-key.entity';
import { AccessKeyRepository } from '../access-keys/access-key.repository';
import { ControllerConfig } from '../config/controller-config';
import { OptionEntity } from '../options/option.entity';
import { OptionRepository } from '../options/option.repository';
import { HealthStore } from '../registry/health.store';
import { ServiceEntity } from '../registry/service.entity';
import { ServiceRepository } from '../registry/service.repository';
import { RingEntity } from '../rings/ring.entity';
import { RingRepository } from '../rings/ring.repository';
import { UserEntity } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';
import { InitialSchema1763800000000 } from './migrations/1763800000000-initial-schema';
import { IdentitiesAndTokenGenerations1764900000000 } from './migrations/1764900000000-identities-and-token-generations';
import { AccessKeys1765000000000 } from './migrations/1765000000000-access-keys';
import { StateEntity } from './state.entity';
import { StateRepository } from './state.repository';

export const ENTITIES = [ServiceEntity, OptionEntity, RingEntity, UserEntity, StateEntity, AccessKeyEntity];
/**
 * Schema changes, oldest first; run at start before anything else touches
 * the database. A change to an entity comes with a new migration (the drift
 * check in database.module.spec.ts fails until it does).
 */
export const MIGRATIONS = [InitialSchema1763800000000, IdentitiesAndTokenGenerations1764900000000, AccessKeys1765000000000];
const REPOSITORIES = [ServiceRepository, OptionRepository, RingRepository, UserRepository, StateRepository, HealthStore, AccessKeyRepository];

/**
 * The controller's data access layer: the TypeORM connection and every
 * repository (each feature's repository lives in its feature folder; they are
 * provided here so that features can read each other's data without module
 * cycles). The schema is kept in step by the migrations in `migrations/`,
 * run at start (never by `synchronize`, which may drop what it does not know).
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ControllerConfig],
      useFactory: (config: ControllerConfig): TypeOrmModuleOptions => typeOrmOptions(config),
    }),
    TypeOrmModule.forFeature(ENTITIES),
  ],
  providers: REPOSITORIES,
  exports: REPOSITORIES,
})
export class DatabaseModule {}

export function typeOrmOptions(config: ControllerConfig): TypeOrmModuleOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    synchronize: false,
    logging: false,
    retryAttempts: 2,
    retryDelay: 500,
  } as const;
  if (config.database.type === 'postgres') {
    return { ...common, type: 'postgres', url: config.database.url };
  }
  const path = config.database.path as string;
  prepareSqliteFile(path);
  return { ...common, type: 'better-sqlite3', database: path, enableWAL: true };
}

/**
 * The sqlite file holds the signing keys and password hashes: its directory
 * is made 0700 and the file 0600 before sqlite opens it (sqlite then gives
 * its -wal and -shm files the database file's mode). An existing directory
 * keeps its mode: it may be shared (the launcher's data dir), and the files
 * in it are what must stay private.
 */
function prepareSqliteFile(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) ensurePrivateDir(dir);
  ensurePrivateFile(path);
  for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) ensurePrivateFile(path + suffix);
}
