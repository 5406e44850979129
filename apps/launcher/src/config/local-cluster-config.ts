import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsInt, IsObject, IsString, Max, Min, MinLength, ValidateNested } from 'class-validator';
import { IsIdentifier } from '@mcos/common';

/** One agent of the local cluster: its service name and region (failure domain). */
export class LocalAgentConfig {
  @IsIdentifier()
  name!: string;

  @IsIdentifier()
  region!: string;
}

/**
 * `config/local-cluster.yaml`: what `npm start` runs. Command-line flags
 * (`--data`, `--base-port`, `--agents`) override `dataDir`, `basePort` and the
 * number of agents taken from `agents`.
 */
export class LocalClusterConfig {
  /** Everything the cluster keeps (sqlite, objects, secrets, logs); relative to the working directory. */
  @IsString()
  @MinLength(1)
  dataDir = './data';

  @IsString()
  host = '127.0.0.1';

  /** The controller listens on basePort, agent i on basePort + i. */
  @IsInt()
  @Min(1)
  @Max(65000)
  basePort = 7000;

  /**
   * Every agent also serves S3 on basePort + s3PortOffset + i (7101, 7102,
   * ... by default): next to its user port, in a block of its own so adding
   * agents never collides. 0 turns S3 off.
   */
  @IsInt()
  @Min(0)
  @Max(10000)
  s3PortOffset = 100;

  /** Username of the admin created on the first start (its password is generated). */
  @IsIdentifier()
  adminUsername = 'admin';

  /** The agents started by default; `--agents K` takes the first K (and names more if K is larger). */
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => LocalAgentConfig)
  agents: LocalAgentConfig[] = [];

  /** Time allowed from the first spawn to a ready cluster. */
  @IsInt()
  @Min(1000)
  readyTimeoutMs = 90_000;

  /** Time one process has to stop after SIGTERM before it gets SIGKILL. */
  @IsInt()
  @Min(100)
  stopTimeoutMs = 10_000;

  /** Extra controller settings (see config/controller.yaml), merged over what the launcher generates. */
  @IsObject()
  controller: Record<string, unknown> = {};

  /** Extra settings for every agent (see config/agent.yaml), merged over what the launcher generates. */
  @IsObject()
  agent: Record<string, unknown> = {};
}
