import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  IsUrl,
  Max,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsIdentifier, LOG_LEVEL_NAMES, type LogLevelName } from '@mcos/common';

/** The agent's backend. `type` picks the driver; each driver reads only its own keys. */
export class BackendSettings {
  @IsIn(['fs', 's3'])
  type: 'fs' | 's3' = 'fs';

  /** fs: directory of the objects; default `<dataDir>/objects`. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  root?: string;

  /** s3: endpoint URL (absent for AWS itself). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  endpoint?: string;

  @ValidateIf((o: BackendSettings) => o.type === 's3')
  @IsString()
  region?: string = 'us-east-1';

  @ValidateIf((o: BackendSettings) => o.type === 's3')
  @IsString()
  @MinLength(1)
  bucket?: string;

  @IsOptional()
  @IsBoolean()
  forcePathStyle?: boolean;

  @ValidateIf((o: BackendSettings) => o.type === 's3')
  @IsString()
  accessKeyId?: string;

  @ValidateIf((o: BackendSettings) => o.type === 's3')
  @IsString()
  secretAccessKey?: string;

  /** s3: key prefix inside the bucket, so several agents can share one bucket. */
  @IsOptional()
  @IsString()
  prefix?: string;
}

/** The background replicator (repair, handoffs, migration, tombstone reclaim). */
export class ReplicationSettings {
  /** Pause between two passes over the local index. */
  @IsInt()
  @Min(50)
  intervalMs = 5_000;

  @IsInt()
  @IsPositive()
  objectsPerSecond = 2_000;

  @IsInt()
  @Min(1)
  @Max(1_000)
  batchSize = 200;

  /** How long deletes are remembered; a replica away longer than this could bring a deleted object back. */
  @IsInt()
  @Min(1)
  tombstoneRetentionSeconds = 7 * 24 * 3600;
}

/** The background auditor (MD5 of every replica against its ETag). */
export class AuditSettings {
  /** Pause between two audit passes. */
  @IsInt()
  @Min(50)
  intervalMs = 60_000;

  /** Read rate of the auditor. */
  @IsInt()
  @IsPositive()
  bytesPerSecond = 20 * 1024 ** 2;
}

/** The agent's whole configuration (config/agent*.yaml + MCOS__* overrides). */
export class AgentConfig {
  /** Unique service name: also the ring's service id. */
  @IsIdentifier()
  name!: string;

  @IsIdentifier()
  region!: string;

  @IsString()
  host = '127.0.0.1';

  @IsInt()
  @Min(1)
  @Max(65535)
  port = 7001;

  /** URL peers and the controller use to reach this agent; default http://host:port. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  publicUrl?: string;

  /** Ring weight; absent means the controller derives it from capacity. */
  @IsOptional()
  @IsNumber()
  @Min(0)
  weight?: number;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  controllerUrl!: string;

  @IsString()
  @MinLength(8)
  joinToken!: string;

  /** Persisted cluster map, credential, index. */
  @IsString()
  @MinLength(1)
  dataDir = './data/agent';

  @IsObject()
  @ValidateNested()
  @Type(() => BackendSettings)
  backend: BackendSettings = new BackendSettings();

  /** Time for a peer or the controller to start answering. */
  @IsInt()
  @IsPositive()
  requestTimeoutMs = 10_000;

  /** How often round-trip times to peers are measured (and map versions compared). */
  @IsInt()
  @Min(100)
  peerProbeIntervalMs = 5_000;

  /** How often registration is retried while the controller is unreachable. */
  @IsInt()
  @Min(100)
  registerRetryMs = 2_000;

  /** Largest object accepted, in bytes (default 5 GiB). */
  @IsInt()
  @IsPositive()
  maxObjectBytes = 5 * 1024 ** 3;

  @IsObject()
  @ValidateNested()
  @Type(() => ReplicationSettings)
  replication: ReplicationSettings = new ReplicationSettings();

  @IsObject()
  @ValidateNested()
  @Type(() => AuditSettings)
  audit: AuditSettings = new AuditSettings();

  @IsIn(LOG_LEVEL_NAMES)
  logLevel: LogLevelName = 'info';

  get url(): string {
    return this.publicUrl ?? `http://${this.host}:${this.port}`;
  }
}
