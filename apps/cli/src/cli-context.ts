import type { Readable, Writable } from 'node:stream';
import type { ConfigStore, Session } from './config/config.store';
import { CliError, ExitCode } from './errors/cli.error';
import { ApiClient } from './http/api.client';

export interface TerminalOut extends Writable {
  isTTY?: boolean;
  columns?: number;
}

export interface TerminalIn extends Readable {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** Everything a command may touch outside itself; main passes the real process's, tests their own. */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  stdin: TerminalIn;
  stdout: TerminalOut;
  stderr: TerminalOut;
  cwd: string;
  store: ConfigStore;
}

/** Where a command's results go: text for people, or one JSON document with --json. */
export class Output {
  constructor(
    private readonly context: CliContext,
    readonly json: boolean,
  ) {}

  /** The command's result: `data` as JSON with --json, else the text. */
  result(data: unknown, text: () => string): void {
    this.context.stdout.write(this.json ? `${JSON.stringify(data, null, 2)}\n` : text());
  }

  /** A message that is not the result (stderr, so stdout stays clean for data). */
  note(text: string): void {
    this.context.stderr.write(`mcos: ${text}\n`);
  }

  /** True when a progress bar may be drawn. */
  get interactive(): boolean {
    return !this.json && this.context.stderr.isTTY === true;
  }
}

/** The stored session, refusing an expired token before any request. */
export function currentSession(context: CliContext): Session {
  const session = context.store.require();
  const expires = Date.parse(session.expiresAt);
  if (Number.isFinite(expires) && expires <= Date.now()) {
    throw new CliError(`your session expired at ${session.expiresAt}`, ExitCode.auth, `log in again: mcos login ${session.agentUrl} --username ${session.username}`);
  }
  return session;
}

/** A client of the logged-in user's agent. */
export function agentClient(context: CliContext): ApiClient {
  const session = currentSession(context);
  return new ApiClient({ baseUrl: session.agentUrl, kind: 'agent', token: session.token });
}

/**
 * A client of the controller's admin API: `--controller URL`, else
 * MCOS_CONTROLLER_URL, else the URL stored at login. The token is the same
 * (the agent forwarded the login to the controller).
 */
export function controllerClient(context: CliContext, flag?: string): ApiClient {
  const session = currentSession(context);
  const url = flag ?? context.env.MCOS_CONTROLLER_URL ?? session.controllerUrl;
  if (!url) {
    throw new CliError(
      'no controller URL: admin commands talk to the controller, and the agent does not tell its address',
      ExitCode.usage,
      `log in with it once (mcos login ${session.agentUrl} --controller http://HOST:PORT), or pass --controller URL`,
    );
  }
  return new ApiClient({ baseUrl: checkUrl(url, '--controller'), kind: 'controller', token: session.token });
}

/** @throws CliError (usage) unless `url` is an http(s) URL; returns it without a trailing slash. */
export function checkUrl(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`${what} "${url}" is not a URL`, ExitCode.usage, 'write it as http://HOST:PORT, e.g. http://127.0.0.1:7001');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`${what} "${url}" must start with http:// or https://`, ExitCode.usage, 'e.g. http://127.0.0.1:7001');
  }
  return url.replace(/\/+$/, '');
}
