import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ControllerConfig } from '../config/controller-config';
import { ENTITIES, MIGRATIONS, typeOrmOptions } from './database.module';

/** The DataSource the controller opens for a sqlite file (the Nest-only retry keys left out). */
function controllerDataSource(file: string): DataSource {
  const config = Object.assign(new ControllerConfig(), { database: { type: 'sqlite', path: file } });
  const { retryAttempts: _a, retryDelay: _d, ...options } = typeOrmOptions(config) as DataSourceOptions & { retryAttempts?: number; retryDelay?: number };
  return new DataSource(options as DataSourceOptions);
}

async function pendingSchemaChanges(ds: DataSource): Promise<string[]> {
  return (await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
}

async function executedMigrations(ds: DataSource): Promise<string[]> {
  return ((await ds.query('SELECT "name" FROM "migrations" ORDER BY "id"')) as { name: string }[]).map((r) => r.name);
}

describe('controller schema migrations (sqlite file)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-migrations-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, on an empty database, exactly the schema the entities describe (no drift), once', async () => {
    const file = join(dir, 'controller.sqlite');
    const ds = controllerDataSource(file);
    await ds.initialize();
    expect(await pendingSchemaChanges(ds)).toEqual([]);
    expect(await executedMigrations(ds)).toEqual(MIGRATIONS.map((m) => m.name));
    await ds.destroy();

    const again = controllerDataSource(file);
    await again.initialize();
    expect(await executedMigrations(again)).toEqual(MIGRATIONS.map((m) => m.name));
    await again.destroy();
  });

  it('takes over a database whose schema was made by synchronize (before migrations), keeping its rows', async () => {
    const file = join(dir, 'controller.sqlite');
    const legacy = new DataSource({ type: 'better-sqlite3', database: file, entities: ENTITIES, synchronize: true });
    await legacy.initialize();
    await legacy.query(`INSERT INTO "users" ("username", "role", "passwordHash", "createdAt", "updatedAt") VALUES ('alice', 'admin', 'h', 1, 2)`);
    await legacy.query(`INSERT INTO "cluster_state" ("key", "value") VALUES ('clusterCredential', 'kept')`);
    await legacy.destroy();

    const ds = controllerDataSource(file);
    await ds.initialize();
    expect(await pendingSchemaChanges(ds)).toEqual([]);
    expect(await executedMigrations(ds)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await ds.query(`SELECT "username", "role" FROM "users"`)).toEqual([{ username: 'alice', role: 'admin' }]);
    expect(await ds.query(`SELECT "value" FROM "cluster_state" WHERE "key" = 'clusterCredential'`)).toEqual([{ value: 'kept' }]);
    await ds.destroy();
  });

  it('creates the database directory 0700 and the file (and its WAL) 0600', async () => {
    const file = join(dir, 'fresh', 'controller.sqlite');
    const ds = controllerDataSource(file);
    await ds.initialize();
    await ds.query(`INSERT INTO "cluster_state" ("key", "value") VALUES ('k', 'v')`);
    expect(statSync(join(dir, 'fresh')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    await ds.destroy();
  });

  it('never lets synchronize touch the schema', () => {
    const options = typeOrmOptions(Object.assign(new ControllerConfig(), { database: { type: 'sqlite', path: join(dir, 'x.sqlite') } }));
    expect(options).toMatchObject({ synchronize: false, migrationsRun: true });
  });
});
