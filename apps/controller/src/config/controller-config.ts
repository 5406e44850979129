import { Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
  IsObject,
} from 'class-validator';
import { ConfigError, exampleSecretProblems, IsIdentifier, LOG_LEVEL_NAMES, type LogLevelName } from '@mcos/common';
import { PARTITION_POWER_RANGE } from '../rings/ring-builder.service';
import { StorageOptionConfig } from './storage-option.config';

export class DatabaseConfig {
  /** `sqlite` (a file, through better-sqlite3, WAL) or `postgres` (a URL). */
  @IsIn(['sqlite', 'postgres'])
  type: 'sqlite' | 'postgres' = 'sqlite';

  /** sqlite file path, relative to the working directory. */
  @ValidateIf((o: DatabaseConfig) => o.type === 'sqlite')
  @IsString()
  @MinLength(1)
  path?: string = './data/controller.sqlite';

  /** e.g. postgres://user:pass@host:5432/mcos */
  @ValidateIf((o: DatabaseConfig) => o.type === 'postgres')
  @IsString()
  @MinLength(1)
  url?: string;
}

export class BootstrapAdminConfig {
  @IsIdentifier()
  username = 'admin';

  /** Clear password (only here, in the operator's config); or use passwordFile. */
  @ValidateIf((o: BootstrapAdminConfig) => o.passwordFile === undefined)
  @IsString()
  @MinLength(8)
  password?: string;

  /** File whose content (trimmed) is the password. */
  @IsOptional()
  @IsString()
  passwordFile?: string;
}

/** Slowing down password guessing (per username and address; see users/login-throttle.ts). */
export class LoginThrottleConfig {
  /** Failed logins in a row of one username from one address before the next attempt must wait. */
  @IsInt()
  @Min(1)
  freeFailures = 5;

  /** Failed logins from one address (any usernames) before it must wait. */
  @IsInt()
  @Min(1)
  freeFailuresPerAddress = 20;

  /** Failed logins of one username (all addresses) before it waits too, except from addresses it logged in from lately. */
  @IsInt()
  @Min(1)
  freeFailuresPerUsername = 50;

  /** First wait; doubles with each further failure. */
  @IsInt()
  @Min(1)
  baseDelayMs = 1_000;

  /** Longest wait (also the longest a guesser can keep a user out at a time). */
  @IsInt()
  @Min(1)
  maxDelayMs = 60_000;
}

/** The controller's whole configuration (config/controller.yaml + MCOS__* overrides). */
export class ControllerConfig {
  /**
   * A throwaway local cluster: allows the published example secrets
   * (`change-me-...`). Never in production (MCOS__DEV_MODE=true).
   */
  @IsBoolean()
  devMode = false;

  @IsString()
  host = '127.0.0.1';

  @IsInt()
  @Min(1)
  @Max(65535)
  port = 7000;

  @IsObject()
  @ValidateNested()
  @Type(() => DatabaseConfig)
  database: DatabaseConfig = new DatabaseConfig();

  /** Rings are built automatically once this many services are ACTIVE. */
  @IsInt()
  @Min(1)
  expectedServices = 3;

  /** Rebalance the rings when a new service joins (removal always rebalances). */
  @IsBoolean()
  autoRebalance = true;

  /** 2^partitionPower partitions per ring (fixed for an option once its first ring exists). */
  @IsInt()
  @Min(PARTITION_POWER_RANGE.min)
  @Max(PARTITION_POWER_RANGE.max)
  partitionPower = 14;

  @IsInt()
  @Min(50)
  pollIntervalMs = 5000;

  /** Time allowed to one health call. */
  @IsInt()
  @Min(50)
  pollTimeoutMs = 2000;

  /** Consecutive failed polls after which an ACTIVE service becomes DISCONNECTED. */
  @IsInt()
  @Min(1)
  missThreshold = 3;

  /** Time allowed to one cluster-map push. */
  @IsInt()
  @Min(50)
  pushTimeoutMs = 5000;

  /** Secret agents present (X-MCOS-Join-Token) to register. */
  @IsString()
  @MinLength(8)
  @MaxLength(512)
  joinToken!: string;

  /** Lifetime of user tokens, in seconds. */
  @IsInt()
  @Min(1)
  tokenTtlSeconds = 43200;

  @IsObject()
  @ValidateNested()
  @Type(() => LoginThrottleConfig)
  loginThrottle: LoginThrottleConfig = new LoginThrottleConfig();

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BootstrapAdminConfig)
  bootstrapAdmin?: BootstrapAdminConfig;

  /** Seeded into the database on first start only; afterwards the admin API owns options. */
  @IsArray()
  @ValidateNested({ each: true })
  @ArrayUnique((o: StorageOptionConfig) => o.name)
  @Type(() => StorageOptionConfig)
  defaultOptions: StorageOptionConfig[] = defaultStorageOptions();

  @IsIn([...LOG_LEVEL_NAMES])
  logLevel: LogLevelName = 'info';
}

export function defaultStorageOptions(): StorageOptionConfig[] {
  return [
    StorageOptionConfig.of('standard', 3, 2, 2),
    StorageOptionConfig.of('sync-3', 3, 3, 1),
    StorageOptionConfig.of('async-3', 3, 1, 1),
    StorageOptionConfig.of('single', 1, 1, 1),
  ];
}

/**
 * Refuses the published example secrets (config/controller.yaml's
 * `change-me-...`) outside dev mode: anyone who read the repository knows
 * them.
 *
 * @throws ConfigError naming each key.
 */
export function refuseExampleSecrets(config: ControllerConfig): void {
  if (config.devMode) return;
  const problems = exampleSecretProblems({ joinToken: config.joinToken, 'bootstrapAdmin.password': config.bootstrapAdmin?.password });
  if (problems.length > 0) throw new ConfigError(problems);
}
