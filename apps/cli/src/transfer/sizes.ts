import { CliError, ExitCode } from '../errors/cli.error';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/**
 * `64MiB`, `16M` (binary, as aws and rclone read it), `5000000`, `1.5GiB` →
 * bytes, a whole number.
 * @throws CliError (usage) for anything else, naming the option.
 */
export function parseSize(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new CliError(`${option} "${text}" is not a size`, ExitCode.usage, 'write it as bytes or with a unit, e.g. 16MiB, 64M, 1GiB');
  }
  return bytes;
}

/** `--parallel N`: 1..64 requests at once. */
export function parseParallel(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARALLEL) throw new CliError(`--parallel "${text}" must be a whole number from 1 to ${MAX_PARALLEL}`, ExitCode.usage);
  return n;
}

/** More than this many requests at once gains nothing on one agent and meets its per-user limit (64). */
export const MAX_PARALLEL = 32;
