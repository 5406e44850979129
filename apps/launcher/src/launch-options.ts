import { Command, CommanderError, InvalidArgumentError } from 'commander';

/** What the command line asked for; absent values fall back to the config file. */
export interface LaunchOptions {
  /** config/local-cluster.yaml unless --config names another file. */
  configFile?: string;
  dataDir?: string;
  basePort?: number;
  agents?: number;
  /** One JSON line on stdout when ready; every other message on stderr. */
  json: boolean;
  /** Wipe the data dir first. */
  fresh: boolean;
  /** Restart a process that dies unexpectedly (false with --no-restart). */
  restart: boolean;
}

export const MAX_LOCAL_AGENTS = 26;

/** The launcher's command line was wrong, or help was asked for. */
export class LaunchUsageError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'LaunchUsageError';
  }
}

/**
 * Parses the launcher's arguments (without `node script`).
 * @throws LaunchUsageError (exit code 2) on a bad flag; (exit code 0) after printing help.
 */
export function parseLaunchOptions(
  argv: string[],
  write: { out: (text: string) => void; err: (text: string) => void } = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): LaunchOptions {
  const program = new Command('npm start --')
    .description('Runs a local MCOS cluster: a controller and K agents on fs backends, each its own process.')
    .option('--data <dir>', 'data dir (sqlite, objects, secrets, logs); default from the config file: ./data')
    .option('--base-port <n>', 'controller on N, agents on N+1..N+K, their S3 on N+101..N+100+K (default 7000)', integer('--base-port', 1, 65000))
    .option('--agents <k>', `number of agents, 1..${MAX_LOCAL_AGENTS} (default 3)`, integer('--agents', 1, MAX_LOCAL_AGENTS))
    .option('--json', 'print one JSON line on stdout when ready; everything else on stderr')
    .option('--fresh', 'delete the data dir first and start over')
    .option('--no-restart', 'do not restart a process that dies (by default: after 1 s, doubling to 30 s)')
    .option('--config <file>', 'cluster config (default config/local-cluster.yaml)')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: write.out, writeErr: write.err });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const helped = error.code === 'commander.helpDisplayed' || error.code === 'commander.help';
      throw new LaunchUsageError(error.message, helped ? 0 : 2);
    }
    throw error;
  }
  const o = program.opts<{ data?: string; basePort?: number; agents?: number; json?: boolean; fresh?: boolean; restart: boolean; config?: string }>();
  return { configFile: o.config, dataDir: o.data, basePort: o.basePort, agents: o.agents, json: o.json === true, fresh: o.fresh === true, restart: o.restart !== false };
}

function integer(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${flag} must be an integer from ${min} to ${max}.`);
    return n;
  };
}
