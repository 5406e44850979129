/**
 * Exit codes of `mcos` (also in the README):
 * 0 ok; 1 not found; 2 usage (bad arguments, or a request the server refused
 * as invalid or conflicting: 400, 409, 412, 413, 416); 3 authentication
 * (not logged in, token expired, wrong password, not an admin); 4 server
 * error or the server could not be reached.
 */
export const ExitCode = {
  ok: 0,
  notFound: 1,
  usage: 2,
  auth: 3,
  server: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure to report to the user: the message says what happened, the hint what to do. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** The server answered with an error status. */
export class ApiError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    hint?: string,
  ) {
    super(message, exitCodeForStatus(status), hint);
    this.name = 'ApiError';
  }
}

export function exitCodeForStatus(status: number): ExitCode {
  if (status >= 200 && status < 300) return ExitCode.ok;
  if (status === 404) return ExitCode.notFound;
  if (status === 401 || status === 403) return ExitCode.auth;
  if (status >= 400 && status < 500) return ExitCode.usage;
  return ExitCode.server;
}
