import { readFileSync } from 'node:fs';
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { parse as parseYaml } from 'yaml';

/**
 * Typed configuration: a YAML file plus environment overrides, validated once
 * at boot against a class-validator schema. This is the only place that reads
 * the environment; each app's main passes `process.env` in.
 *
 * Scheme (defaults; both names can be changed through options):
 * - `MCOS_CONFIG=/path/to/file.yaml` names the YAML file (else `defaultFile`,
 *   else no file: defaults and environment only).
 * - `MCOS__SECTION__KEY=value` overrides `section.key`: segments are split on
 *   `__` and turned from SNAKE_CASE into camelCase (`MCOS__POLL_INTERVAL_MS`
 *   → `pollIntervalMs`, `MCOS__DATABASE__PATH` → `database.path`; a numeric
 *   segment indexes an array). Values are parsed: `true`/`false` → boolean, a
 *   number → number, text starting with `{` or `[` → JSON, anything else →
 *   string; a key the schema declares as string always keeps the raw text.
 * - Unknown keys are errors, so a typo never goes unnoticed; a missing
 *   required key is reported as "<key> is required".
 */
export interface LoadConfigOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** YAML file used when the file variable is not set. */
  defaultFile?: string;
  /** Environment variable naming the YAML file; default `MCOS_CONFIG`. */
  fileVariable?: string;
  /** Prefix of override variables; default `MCOS__`. */
  prefix?: string;
}

/** Start-up must stop: the message names the offending keys. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Plain = Record<string, unknown>;

/**
 * Reads, merges and validates the configuration.
 * @throws ConfigError naming every invalid, missing or unknown key.
 */
export function loadConfig<T extends object>(schema: new () => T, options: LoadConfigOptions): T {
  const fileVariable = options.fileVariable ?? 'MCOS_CONFIG';
  const prefix = options.prefix ?? 'MCOS__';
  const file = options.env[fileVariable] || options.defaultFile;
  const merged: Plain = file ? readYaml(file, fileVariable) : {};
  applyEnvironment(merged, schema, options.env, prefix);
  const instance = plainToInstance(schema, merged, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw new ConfigError(flatten(errors, ''));
  return instance;
}

function readYaml(file: string, fileVariable: string): Plain {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read ${fileVariable} file ${file}: ${(error as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`cannot parse ${file}: ${(error as Error).message}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`${file} must hold a YAML mapping at the top level`]);
  }
  return parsed as Plain;
}

function applyEnvironment(target: Plain, schema: new () => object, env: LoadConfigOptions['env'], prefix: string): void {
  const keys = Object.keys(env)
    .filter((k) => k.startsWith(prefix) && k.length > prefix.length)
    .sort();
  for (const variable of keys) {
    const raw = env[variable] as string;
    const segments = variable.slice(prefix.length).split('__');
    if (segments.some((s) => s.length === 0)) throw new ConfigError([`${variable} has an empty path segment`]);
    const path = segments.map(snakeToCamel);
    const declared = declaredType(schema, path);
    let value: unknown;
    try {
      value = declared === String ? raw : parseValue(raw);
    } catch (error) {
      throw new ConfigError([`${variable} is not valid JSON: ${(error as Error).message}`]);
    }
    setPath(target, path, value);
  }
}

function snakeToCamel(segment: string): string {
  if (/^\d+$/.test(segment)) return segment;
  return segment.toLowerCase().replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function parseValue(raw: string): unknown {
  const trimmed = raw.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(trimmed)) return Number(trimmed);
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return JSON.parse(trimmed) as unknown;
  return raw;
}

/** The TypeScript type emitted for the property at `path`, following nested classes. */
function declaredType(schema: new () => object, path: string[]): unknown {
  let current: unknown = schema;
  for (const segment of path) {
    if (typeof current !== 'function') return undefined;
    current = Reflect.getMetadata('design:type', (current as { prototype: object }).prototype, segment) as unknown;
  }
  return current;
}

function setPath(target: Plain, path: string[], value: unknown): void {
  let node: Plain = target;
  path.forEach((segment, index) => {
    if (index === path.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (typeof next !== 'object' || next === null) node[segment] = /^\d+$/.test(path[index + 1] ?? '') ? [] : {};
    node = node[segment] as Plain;
  });
}

function flatten(errors: ValidationError[], parent: string): string[] {
  const problems: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.keys(error.constraints ?? {});
    if (error.value === undefined && constraints.length > 0 && !constraints.includes('whitelistValidation')) {
      problems.push(`${path} is required`);
      continue;
    }
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      if (constraint === 'whitelistValidation') {
        problems.push(`${path} is not a known setting`);
      } else if (message.startsWith(`${error.property} `)) {
        problems.push(`${path}${message.slice(error.property.length)}`);
      } else {
        problems.push(`${path}: ${message}`);
      }
    }
    if (error.children && error.children.length > 0) problems.push(...flatten(error.children, path));
  }
  return problems;
}
