import type { Command } from 'commander';
import { checkUrl, CliContext, Output } from '../cli-context';
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

interface LoginAnswer {
  token: string;
  expiresAt: string;
  role?: string;
}

type OutputFor = (command: Command) => Output;

export function registerLoginCommands(program: Command, context: CliContext, outputFor: OutputFor): void {
  program
    .command('login')
    .description('log in at an agent and keep the token for the next commands')
    .argument('<agent-url>', 'any agent of the cluster, e.g. http://127.0.0.1:7001')
    .option('-u, --username <name>', 'asked for when missing')
    .option('-p, --password <password>', 'else $MCOS_PASSWORD, --password-stdin, or asked for')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--controller <url>', 'the controller, for the admin commands (e.g. http://127.0.0.1:7000)')
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
          `controller: ${session.controllerUrl ?? 'not set (mcos login ... --controller URL)'}`,
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
  const answer = await client.json<LoginAnswer | { message?: string }>('POST', '/v1/auth/login', { username, password }, [401]);
  if (answer.status === 401) throw new CliError(`login as ${username} at ${agentUrl} failed: wrong username or password`, ExitCode.auth, 'check both; the admin password of npm start is in its banner (and in data/admin-password)');
  const granted = answer.body as LoginAnswer;
  const session: Session = { agentUrl, controllerUrl, username, role: granted.role ?? 'user', token: granted.token, expiresAt: granted.expiresAt };
  context.store.save(session);

  if (controllerUrl && !(await answers(controllerUrl))) {
    out.note(`warning: the controller at ${controllerUrl} does not answer; admin commands will fail until it does`);
  }
  out.result({ agentUrl, controllerUrl, username, role: session.role, expiresAt: session.expiresAt }, () =>
    [
      `Logged in to ${agentUrl} as ${username} (role ${session.role}), until ${formatDate(session.expiresAt)}.`,
      controllerUrl ? `Admin commands go to the controller at ${controllerUrl}.` : 'No controller given: pass --controller URL to use the admin commands.',
      '',
    ].join('\n'),
  );
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

async function answers(controllerUrl: string): Promise<boolean> {
  try {
    await new ApiClient({ baseUrl: controllerUrl, kind: 'controller', timeoutMs: 3_000 }).json('GET', '/health');
    return true;
  } catch {
    return false;
  }
}
