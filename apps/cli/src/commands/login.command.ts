import type { Command } from 'commander';
import type { AgentLoginAnswer } from '@mcos/common';
import { checkUrl, CliContext, controllerAnswers, Output } from '../cli-context';
import type { Session } from '../config/config.store';
import { CliError, ExitCode } from '../errors/cli.error';
import { ApiClient } from '../http/api.client';
import { formatDate } from '../output/format';
import { ask } from '../prompt';

interface LoginOptions {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  controller?: string;
}

/** More controllers than any cluster has: the rest of a longer list is ignored. */
const MAX_CONTROLLERS = 16;
const MAX_URL_LENGTH = 2048;

type OutputFor = (command: Command) => Output;

export function registerLoginCommands(program: Command, context: CliContext, outputFor: OutputFor): void {
  program
    .command('login')
    .description('log in at an agent and keep the token for the next commands')
    .argument('<agent-url>', 'any agent of the cluster, e.g. http://127.0.0.1:7001')
    .option('-u, --username <name>', 'asked for when missing')
    .option('-p, --password <password>', 'else $MCOS_PASSWORD, --password-stdin, or asked for')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--controller <url>', 'the controller for the admin commands (default: the one the agent names to an admin)')
    .addHelpText('after', '\nThe token and both URLs are kept in $MCOS_CLI_CONFIG_DIR, else $XDG_CONFIG_HOME/mcos, else ~/.config/mcos (file mode 0600).')
    .action(async (url: string, options: LoginOptions, command: Command) => login(context, outputFor(command), url, options));

  program
    .command('logout')
    .description('forget the stored token')
    .action((_options: unknown, command: Command) => {
      const had = context.store.clear();
      outputFor(command).result({ loggedOut: had }, () => (had ? `Logged out (removed ${context.store.file}).\n` : 'Not logged in.\n'));
    });

  program
    .command('whoami')
    .description('show the stored login: user, agent, controller, token expiry')
    .action((_options: unknown, command: Command) => {
      const session = context.store.require();
      const { token: _token, ...shown } = session;
      outputFor(command).result(shown, () =>
        [
          `${session.username} (role ${session.role}) at ${session.agentUrl}`,
          `controller: ${controllerLine(session)}`,
          `token valid until ${formatDate(session.expiresAt)}`,
          '',
        ].join('\n'),
      );
    });
}

async function login(context: CliContext, out: Output, rawUrl: string, options: LoginOptions): Promise<void> {
  const agentUrl = checkUrl(rawUrl, 'agent URL');
  const controllerUrl = options.controller === undefined ? previousController(context, agentUrl) : checkUrl(options.controller, '--controller');
  const username = options.username ?? (await ask(context, 'Username: ', '--username'));
  const password = options.password ?? (options.passwordStdin ? await firstLine(context) : context.env.MCOS_PASSWORD) ?? (await ask(context, 'Password: ', '--password (or MCOS_PASSWORD)', true));
  if (!username || !password) throw new CliError('username and password must not be empty', ExitCode.usage);

  const client = new ApiClient({ baseUrl: agentUrl, kind: 'agent' });
  const answer = await client.json<AgentLoginAnswer | { message?: string }>('POST', '/v1/auth/login', { username, password }, [401]);
  if (answer.status === 401) throw new CliError(`login as ${username} at ${agentUrl} failed: wrong username or password`, ExitCode.auth, 'check both; the admin password of npm start is in its banner (and in data/admin-password)');
  const granted = answer.body as AgentLoginAnswer;
  const controllers = controllersFrom(granted.controllers);
  const session: Session = { agentUrl, controllerUrl, controllers, username, role: granted.role ?? 'user', token: granted.token, expiresAt: granted.expiresAt };
  context.store.save(session);

  const candidates = controllerUrl ? [controllerUrl] : (controllers ?? []);
  if (candidates.length > 0 && !(await anyAnswers(candidates))) {
    out.note(`warning: ${candidates.length === 1 ? `the controller at ${candidates[0]} does not answer` : `none of the controllers ${candidates.join(', ')} answers`}; admin commands will fail until one does`);
  }
  out.result({ agentUrl, controllerUrl, controllers, username, role: session.role, expiresAt: session.expiresAt }, () =>
    [
      `Logged in to ${agentUrl} as ${username} (role ${session.role}), until ${formatDate(session.expiresAt)}.`,
      ...controllerNote(candidates, session.role),
      '',
    ].join('\n'),
  );
}

/**
 * The controller URLs of the agent's login answer (sent to admins only; an
 * older agent sends none): only http(s) URLs are kept, at most MAX_CONTROLLERS,
 * since the answer comes from the network.
 */
export function controllersFrom(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const urls: string[] = [];
  for (const entry of value.slice(0, MAX_CONTROLLERS)) {
    if (typeof entry !== 'string' || entry.length > MAX_URL_LENGTH) continue;
    try {
      const url = checkUrl(entry, 'controller URL');
      if (!urls.includes(url)) urls.push(url);
    } catch {
      // Not an http(s) URL: not one to send a token to.
    }
  }
  return urls.length > 0 ? urls : undefined;
}

/** Where admin commands will go; nothing for a user who named no controller (admin commands are not theirs). */
function controllerNote(candidates: string[], role: string): string[] {
  if (candidates.length === 1) return [`Admin commands go to the controller at ${candidates[0]}.`];
  if (candidates.length > 1) return [`Admin commands go to the first of these controllers that answers: ${candidates.join(', ')}.`];
  return role === 'admin' ? ['No controller known (the agent named none): pass --controller URL to use the admin commands.'] : [];
}

function controllerLine(session: Session): string {
  if (session.controllerUrl) return `${session.controllerUrl} (given with --controller)`;
  if (session.controllers?.length) return `${session.controllers.join(', ')} (named by the agent; the first that answers is used)`;
  return 'none known (log in as an admin, or pass --controller URL)';
}

async function anyAnswers(urls: string[]): Promise<boolean> {
  for (const url of urls) {
    if (await controllerAnswers(url)) return true;
  }
  return false;
}

/** Logging in again at the same agent keeps the controller given before. */
function previousController(context: CliContext, agentUrl: string): string | undefined {
  try {
    const previous = context.store.load();
    return previous?.agentUrl === agentUrl ? previous.controllerUrl : undefined;
  } catch {
    return undefined;
  }
}

async function firstLine(context: CliContext): Promise<string> {
  let text = '';
  for await (const chunk of context.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0];
}
