import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsFQDN,
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
import type { BackendConfig, BackendKind } from '@mcos/backends';
import { IsIdentifier, IsNotExampleSecret, LOG_LEVEL_NAMES, type LogLevelName } from '@mcos/common';

/**
 * The agent's backend. `type` picks the driver; each driver reads only its
 * own keys (flat, so that `MCOS__BACKEND__<KEY>` overrides any of them).
 * Secrets (keys, passwords, connection strings) belong in the environment
 * or a file only the agent can read.
 */
export class BackendSettings {
  @IsIn(['fs', 's3', 'swift', 'azure'])
  type: BackendKind = 'fs';

  /** fs: directory of the objects; default `<dataDir>/objects`. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  root?: string;

  /** s3: endpoint URL (absent for AWS itself). azure: blob service URL (default https://<accountName>.blob.core.windows.net; Azurite: http://127.0.0.1:10000/devstoreaccount1). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  endpoint?: string;

  /** s3: region (default us-east-1). swift with keystone: catalog region of the object-store endpoint (default: any). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  region?: string;

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

  /** s3, swift, azure: key prefix inside the bucket / container, so several agents can share one. */
  @IsOptional()
  @IsString()
  prefix?: string;

  /** swift, azure: the container holding the objects (it must exist). */
  @ValidateIf((o: BackendSettings) => o.type === 'swift' || o.type === 'azure')
  @IsString()
  @MinLength(1)
  container?: string;

  /** swift: TempAuth URL (e.g. http://host:8080/auth/v1.0) or Keystone v3 base (e.g. https://host:5000/v3). */
  @ValidateIf((o: BackendSettings) => o.type === 'swift')
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  authUrl?: string;

  /** swift: `tempauth` (v1.0, default) or `keystone` (v3 password). */
  @IsOptional()
  @IsIn(['tempauth', 'keystone'])
  authType?: 'tempauth' | 'keystone';

  /** swift: tempauth `account:user`, or the Keystone user name. */
  @ValidateIf((o: BackendSettings) => o.type === 'swift')
  @IsString()
  @MinLength(1)
  username?: string;

  /** swift: tempauth key, or the Keystone password. */
  @ValidateIf((o: BackendSettings) => o.type === 'swift')
  @IsString()
  @MinLength(1)
  password?: string;

  /** swift (keystone): the user's domain, default `Default`. */
  @IsOptional()
  @IsString()
  userDomainName?: string;

  /** swift (keystone): project scope by name (with `projectDomainName`, default `Default`) or by `projectId`. */
  @ValidateIf((o: BackendSettings) => o.type === 'swift' && o.authType === 'keystone' && o.projectId === undefined)
  @IsString()
  @MinLength(1)
  projectName?: string;

  @IsOptional()
  @IsString()
  projectId?: string;

  @IsOptional()
  @IsString()
  projectDomainName?: string;

  /** swift (keystone): catalog interface, default `public`. */
  @IsOptional()
  @IsIn(['public', 'internal', 'admin'])
  interface?: 'public' | 'internal' | 'admin';

  /** swift: use this storage URL instead of the one auth returns. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  storageUrl?: string;

  /** swift: container of large-object segments, default `<container>_segments`. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  segmentContainer?: string;

  /** swift: largest plain object, the cluster's max_file_size (default 5 GiB); larger ones are stored as Static Large Objects. */
  @IsOptional()
  @IsInt()
  @IsPositive()
  maxObjectBytes?: number;

  /** azure: a storage connection string; or `accountName` + `accountKey` (+ `endpoint`). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  connectionString?: string;

  @ValidateIf((o: BackendSettings) => o.type === 'azure' && o.connectionString === undefined)
  @IsString()
  @MinLength(1)
  accountName?: string;

  @ValidateIf((o: BackendSettings) => o.type === 'azure' && o.connectionString === undefined)
  @IsString()
  @MinLength(1)
  accountKey?: string;

  /** The driver's options, from these validated settings; `defaultRoot` is the fs driver's default directory. */
  toBackendConfig(defaultRoot: string): BackendConfig {
    switch (this.type) {
      case 'fs':
        return { type: 'fs', root: this.root ?? defaultRoot };
      case 's3':
        return {
          type: 's3',
          endpoint: this.endpoint,
          region: this.region ?? 'us-east-1',
          bucket: this.bucket!,
          forcePathStyle: this.forcePathStyle,
          accessKeyId: this.accessKeyId!,
          secretAccessKey: this.secretAccessKey!,
          prefix: this.prefix,
        };
      case 'swift':
        return {
          type: 'swift',
          auth:
            this.authType === 'keystone'
              ? {
                  type: 'keystone',
                  authUrl: this.authUrl!,
                  username: this.username!,
                  password: this.password!,
                  userDomainName: this.userDomainName,
                  projectName: this.projectName,
                  projectId: this.projectId,
                  projectDomainName: this.projectDomainName,
                  region: this.region,
                  interface: this.interface,
                }
              : { type: 'tempauth', authUrl: this.authUrl!, username: this.username!, password: this.password! },
          container: this.container!,
          prefix: this.prefix,
          segmentContainer: this.segmentContainer,
          maxObjectBytes: this.maxObjectBytes,
          storageUrl: this.storageUrl,
        };
      case 'azure':
        return {
          type: 'azure',
          connectionString: this.connectionString,
          accountName: this.accountName,
          accountKey: this.accountKey,
          endpoint: this.endpoint,
          container: this.container!,
          prefix: this.prefix,
        };
      default: {
        const unknown: never = this.type;
        throw new TypeError(`unknown backend type ${JSON.stringify(unknown)}`);
      }
    }
  }
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

/** Multipart uploads: how long an upload may stay open, and the background pass that frees unreferenced parts. */
export class MultipartConfig {
  /**
   * Uploads open longer than this are aborted by background work (their
   * parts then freed). Fractions are allowed (tests use seconds' worth).
   */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1 / 3600)
  @Max(24 * 365)
  abandonAfterHours = 168;

  /** Pause between two passes of the parts GC and the expiry of abandoned uploads. */
  @IsInt()
  @Min(50)
  gcIntervalMs = 60_000;

  /**
   * How long after its upload ended (completed, aborted, expired) an
   * unreferenced part is kept; also the longest a Complete may spend
   * checking its parts (it gives up after half). Lower it only in tests.
   */
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  gcGraceSeconds = 900;

  /**
   * Most parts one GC pass checks (each check is a few quorum reads); the
   * next pass goes on where it stopped, so the parts of every stored
   * multipart object are not all re-read each interval.
   */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  gcPartsPerPass = 2_000;
}

/**
 * The S3 door: a second listener serving the S3 API over the same store.
 * Off when the `s3` section is absent.
 */
export class S3Settings {
  @IsString()
  @MinLength(1)
  host = '127.0.0.1';

  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  /**
   * Virtual-hosted style: requests whose Host is `<bucket>.<domain>` address
   * that bucket. Absent: path style only (`/bucket/key`, always served).
   */
  @IsOptional()
  @IsFQDN({ require_tld: false })
  domain?: string;
}

/**
 * The agent's HTTP server against slow clients and floods (issue 13, point 8).
 * Timeouts follow progress, not total time: a 5 GiB upload that keeps
 * moving is never cut, a connection that stops moving is.
 */
export class HttpServerSettings {
  /** Time for a client to send a request's whole head (Node's headersTimeout). */
  @IsInt()
  @Min(1_000)
  headersTimeoutMs = 20_000;

  /** A connection with no byte in either direction for this long is closed (socket idle timeout, reset by data). */
  @IsInt()
  @Min(1_000)
  idleTimeoutMs = 60_000;

  /** How long an idle keep-alive connection is kept between requests. */
  @IsInt()
  @Min(100)
  keepAliveTimeoutMs = 5_000;

  /** Most connections open at once (users, peers and the controller together); more are refused at accept. */
  @IsInt()
  @Min(16)
  maxConnections = 2_048;

  /** Most /v1 requests of one user in flight at this agent; more get 429, so one user cannot starve others or peer traffic. */
  @IsInt()
  @Min(1)
  maxRequestsPerUser = 64;
}

/** The pools of connections to other agents (issue 13, point 8). */
export class PeerPoolSettings {
  /** Connections per peer for replica reads (streamed to users: may be held by slow readers). */
  @IsInt()
  @Min(1)
  readSocketsPerPeer = 48;

  /** Connections per peer for replica writes: a separate pool, so slow readers never stall writes. */
  @IsInt()
  @Min(1)
  writeSocketsPerPeer = 48;

  /** Connections per peer for control calls (stats, versions, listings, ping, maps). */
  @IsInt()
  @Min(1)
  controlSocketsPerPeer = 16;

  /** A peer connection with no byte moving for this long is closed (a stalled stream frees its socket). */
  @IsInt()
  @Min(1_000)
  idleStreamTimeoutMs = 60_000;
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

  /** Refused when it is a published example value (`change-me-...`) unless devMode. */
  @IsString()
  @MinLength(8)
  @IsNotExampleSecret()
  joinToken!: string;

  /** A throwaway local cluster: allows the published example secrets. Never in production (MCOS__DEV_MODE=true). */
  @IsBoolean()
  devMode = false;

  /** Persisted cluster map, pinned controller key, identity key (0600, in a 0700 dir), index. */
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

  /**
   * Hash bodies over 1 MiB (the ETag on PUT, its check on GET) on a worker
   * thread: faster large transfers when a core is free (+30-40 % on a
   * 256 MiB GET here), for ~10-15 MB more resident memory. Off by default.
   */
  @IsBoolean()
  md5WorkerThread = false;

  /** Largest object accepted, in bytes (default 5 GiB); counted as bytes stream in when no Content-Length is sent. */
  @IsInt()
  @IsPositive()
  maxObjectBytes = 5 * 1024 ** 3;

  /** How far ahead of this agent's clock a timestamp from a peer may be (more: 400, the clock does not move). */
  @IsInt()
  @Min(1_000)
  @Max(24 * 3600_000)
  maxClockSkewMs = 5 * 60_000;

  @IsObject()
  @ValidateNested()
  @Type(() => HttpServerSettings)
  http: HttpServerSettings = new HttpServerSettings();

  @IsObject()
  @ValidateNested()
  @Type(() => PeerPoolSettings)
  peers: PeerPoolSettings = new PeerPoolSettings();

  @IsObject()
  @ValidateNested()
  @Type(() => ReplicationSettings)
  replication: ReplicationSettings = new ReplicationSettings();

  @IsObject()
  @ValidateNested()
  @Type(() => AuditSettings)
  audit: AuditSettings = new AuditSettings();

  @IsObject()
  @ValidateNested()
  @Type(() => MultipartConfig)
  multipart: MultipartConfig = new MultipartConfig();

  @IsIn(LOG_LEVEL_NAMES)
  logLevel: LogLevelName = 'info';

  /** The S3 door (see S3Settings); absent means no S3 listener. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => S3Settings)
  s3?: S3Settings;

  get url(): string {
    return this.publicUrl ?? `http://${this.host}:${this.port}`;
  }
}
