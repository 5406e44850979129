import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
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
import { StateEntity } from './state.entity';
import { StateRepository } from './state.repository';

export const ENTITIES = [ServiceEntity, OptionEntity, RingEntity, UserEntity, StateEntity];
/**
 * Schema changes, oldest first; run at start before anything else touches
 * the database. A change to an entity comes with a new migration (the drift
 * check in database.module.spec.ts fails until it does).
 */
export const MIGRATIONS = [InitialSchema1763800000000];
const REPOSITORIES = [ServiceRepository, OptionRepository, RingRepository, UserRepository, StateRepository, HealthStore];

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
  mkdirSync(dirname(path), { recursive: true });
  return { ...common, type: 'better-sqlite3', database: path, enableWAL: true };
}
