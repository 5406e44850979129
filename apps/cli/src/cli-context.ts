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

/** How long a controller named by the agent has to answer /health before the next one is tried. */
const CONTROLLER_PROBE_TIMEOUT_MS = 2_000;

/**
 * A client of the controller's admin API at, in this order: `--controller
 * URL`, MCOS_CONTROLLER_URL, the URL given to `mcos login --controller`, or
 * the first of the controllers the agent named at login that answers. The
 * token is the same (the agent forwarded the login to the controller).
 */
export async function controllerClient(context: CliContext, flag?: string): Promise<ApiClient> {
  const session = currentSession(context);
  const explicit = flag ?? context.env.MCOS_CONTROLLER_URL ?? session.controllerUrl;
  const url = explicit === undefined ? await firstAnswering(session, session.controllers ?? []) : checkUrl(explicit, '--controller');
  return new ApiClient({ baseUrl: url, kind: 'controller', token: session.token });
}

/** The first controller that answers /health; a lone one is used as is (the command then says if it is down). */
async function firstAnswering(session: Session, urls: string[]): Promise<string> {
  if (urls.length === 0) {
    throw new CliError(
      'no controller URL: admin commands talk to the controller, and the agent tells its address only to an admin',
      ExitCode.usage,
      `log in as an admin (mcos login ${session.agentUrl} --username <admin>), or pass --controller http://HOST:PORT`,
    );
  }
  if (urls.length === 1) return urls[0];
  for (const url of urls) {
    if (await controllerAnswers(url)) return url;
  }
  throw new CliError(`none of the controllers the agent named answers (${urls.join(', ')})`, ExitCode.server, 'is the controller running? pass --controller URL to use another one');
}

/** True when the controller at `url` answers its health check. */
export async function controllerAnswers(url: string): Promise<boolean> {
  try {
    await new ApiClient({ baseUrl: url, kind: 'controller', timeoutMs: CONTROLLER_PROBE_TIMEOUT_MS }).json('GET', '/health');
    return true;
  } catch {
    return false;
  }
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
