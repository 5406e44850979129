import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli';
import { ConfigStore, configDirFrom } from './config/config.store';

/** dist/apps/cli/src -> package root. */
const PACKAGE_JSON = join(__dirname, '..', '..', '..', '..', 'package.json');

function version(): string {
  try {
    return (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

// `mcos get x - | head` closes stdout early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const env = process.env;
runCli(process.argv.slice(2), { env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), store: new ConfigStore(configDirFrom(env)) }, version()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mcos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 4;
  },
);
