import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsObject, IsString, Min, ValidateNested } from 'class-validator';
import { ConfigError, loadConfig } from './config-loader';

class DatabaseSection {
  @IsIn(['sqlite', 'postgres'])
  type = 'sqlite';

  @IsString()
  path = './data/db.sqlite';
}

class Item {
  @IsString()
  name!: string;

  @IsInt()
  size!: number;
}

class Schema {
  @IsInt()
  @Min(1)
  port = 7000;

  @IsBoolean()
  autoRebalance = true;

  @IsInt()
  pollIntervalMs = 5000;

  @IsString()
  joinToken!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => DatabaseSection)
  database: DatabaseSection = new DatabaseSection();

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => Item)
  items: Item[] = [];
}

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  let dir: string;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-config-spec-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the YAML named by MCOS_CONFIG over the schema defaults', () => {
    const path = file('a.yaml', 'port: 7100\njoinToken: secret-token\ndatabase:\n  path: /var/x.sqlite\n');
    const sut = loadConfig(Schema, { env: { MCOS_CONFIG: path } });
    expect(sut).toBeInstanceOf(Schema);
    expect(sut.port).toBe(7100);
    expect(sut.database).toEqual({ type: 'sqlite', path: '/var/x.sqlite' });
    expect(sut.autoRebalance).toBe(true);
  });

  it('applies MCOS__ overrides: SNAKE_CASE paths to camelCase, parsed values', () => {
    const path = file('b.yaml', 'joinToken: from-file\nitems:\n  - { name: a, size: 1 }\n');
    const sut = loadConfig(Schema, {
      env: {
        MCOS_CONFIG: path,
        MCOS__PORT: '7200',
        MCOS__AUTO_REBALANCE: 'false',
        MCOS__POLL_INTERVAL_MS: '250',
        MCOS__DATABASE__TYPE: 'postgres',
        MCOS__ITEMS__0__SIZE: '5',
        OTHER: 'ignored',
      },
    });
    expect(sut.port).toBe(7200);
    expect(sut.autoRebalance).toBe(false);
    expect(sut.pollIntervalMs).toBe(250);
    expect(sut.database.type).toBe('postgres');
    expect(sut.items).toEqual([{ name: 'a', size: 5 }]);
  });

  it('keeps the raw text for keys declared as strings, and parses JSON', () => {
    const sut = loadConfig(Schema, { env: { MCOS__JOIN_TOKEN: '12345', MCOS__ITEMS: '[{"name":"x","size":2}]' } });
    expect(sut.joinToken).toBe('12345');
    expect(sut.items).toEqual([{ name: 'x', size: 2 }]);
  });

  it('uses the default file when MCOS_CONFIG is not set', () => {
    const path = file('c.yaml', 'joinToken: default-file\n');
    expect(loadConfig(Schema, { env: {}, defaultFile: path }).joinToken).toBe('default-file');
  });

  it('names every invalid, missing or unknown key', () => {
    const path = file('d.yaml', 'port: 0\ndatabase:\n  path: 42\ncolour: red\n');
    const message = problemsOf(() => loadConfig(Schema, { env: { MCOS_CONFIG: path, MCOS__AUTO_REBALANCE: 'maybe' } }));
    expect(message).toMatch(/^Invalid configuration: /);
    expect(message).toContain('port must not be less than 1');
    expect(message).toContain('autoRebalance must be a boolean value');
    expect(message).toContain('joinToken is required');
    expect(message).toContain('database.path must be a string');
    expect(message).toContain('colour is not a known setting');
  });

  it('names nested array entries by index', () => {
    const message = problemsOf(() => loadConfig(Schema, { env: { MCOS__JOIN_TOKEN: 't', MCOS__ITEMS: '[{"name":"a","size":"big"}]' } }));
    expect(message).toBe('Invalid configuration: items.0.size must be an integer number');
  });

  it('reports a missing or unparsable file and bad JSON overrides', () => {
    expect(problemsOf(() => loadConfig(Schema, { env: { MCOS_CONFIG: join(dir, 'missing.yaml') } }))).toMatch(/cannot read MCOS_CONFIG file .*missing\.yaml/);
    const broken = file('e.yaml', 'port: [1,\n');
    expect(problemsOf(() => loadConfig(Schema, { env: { MCOS_CONFIG: broken } }))).toMatch(/cannot parse .*e\.yaml/);
    const list = file('f.yaml', '- 1\n- 2\n');
    expect(problemsOf(() => loadConfig(Schema, { env: { MCOS_CONFIG: list } }))).toMatch(/must hold a YAML mapping/);
    expect(problemsOf(() => loadConfig(Schema, { env: { MCOS__ITEMS: '[oops' } }))).toMatch(/MCOS__ITEMS is not valid JSON/);
    expect(problemsOf(() => loadConfig(Schema, { env: { MCOS__DATABASE____PATH: 'x' } }))).toMatch(/empty path segment/);
  });
});
