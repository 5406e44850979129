import { describe } from '@jest/globals';

/** `describe` or `describe.skip`: what declares the suite. */
export type SuiteDescribe = typeof describe.skip;

/** What a suite that needs a real server (Swift, PostgreSQL, ...) learns from `requireServer`. */
export interface RequiredServer {
  /** Why the server cannot run here; undefined when it can. */
  readonly unavailable?: string;
  /** `describe` when the server can run, `describe.skip` when it cannot (outside CI only). */
  readonly describe: SuiteDescribe;
}

export interface RequireServerOptions {
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where the skip reason goes; default stdout. */
  print?: (line: string) => void;
}

/**
 * The one decision for suites that need a real server: with the server
 * available they run; without it they are skipped with the reason printed —
 * unless the environment variable CI is set (anything but empty, `0` or
 * `false`), where a missing server or Debian package is a broken machine,
 * not a reason to test less: then this throws, and the suite fails to load
 * with the reason.
 *
 * @param what the server, for the messages (e.g. `OpenStack Swift`)
 * @param unavailable why it cannot run here (from its starter's own check), or undefined
 */
export function requireServer(what: string, unavailable: string | undefined, options: RequireServerOptions = {}): RequiredServer {
  if (unavailable === undefined) return { describe };
  const ci = (options.env ?? process.env).CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') {
    throw new Error(`${what} is required when CI is set (CI=${ci}), but it cannot run here: ${unavailable}`);
  }
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  print(`SKIPPED: ${what} is not available here (and CI is not set): ${unavailable}`);
  return { unavailable, describe: describe.skip };
}
