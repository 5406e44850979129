import { Command, CommanderError } from 'commander';
import { CliContext, Output } from './cli-context';
import { registerAdminCommands } from './commands/admin.command';
import { registerContainerCommands } from './commands/containers.command';
import { registerKeyCommands } from './commands/keys.command';
import { registerLoginCommands } from './commands/login.command';
import { registerObjectCommands } from './commands/objects.command';
import { CliError, ExitCode } from './errors/cli.error';

const EXAMPLES = `
Examples:
  mcos login http://127.0.0.1:7001 --username admin
  mcos mb photos
  mcos put cat.jpg photos/2024/cat.jpg
  mcos ls photos/2024/
  mcos get photos/2024/cat.jpg - > copy.jpg
  mcos admin services

Exit codes: 0 ok, 1 not found, 2 usage (or a request refused as invalid), 3 not logged in / not allowed, 4 server error or unreachable.`;

/** The whole command tree; commands write through `context` only. */
export function buildProgram(context: CliContext, version: string): Command {
  const program = new Command('mcos')
    .description('MCOS command line: containers and objects at any agent; cluster administration at the controller.')
    .version(version, '-V, --version')
    .option('--json', 'print results as JSON (for scripts); no progress bars')
    .showHelpAfterError('(mcos --help shows every command)')
    .showSuggestionAfterError(true)
    .addHelpText('after', EXAMPLES);
  const outputFor = (command: Command) => new Output(context, (command.optsWithGlobals() as { json?: boolean }).json === true);
  registerLoginCommands(program, context, outputFor);
  registerContainerCommands(program, context, outputFor);
  registerObjectCommands(program, context, outputFor);
  registerKeyCommands(program, context, outputFor);
  registerAdminCommands(program, context, outputFor);
  configure(program, context);
  return program;
}

/** Runs one command line (without `node mcos`); returns the exit code. */
export async function runCli(argv: string[], context: CliContext, version = '0.0.0'): Promise<number> {
  const program = buildProgram(context, version);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    return report(error, context);
  }
}

/** Every command: errors through our reporting (exit codes), output through the context. */
function configure(command: Command, context: CliContext): void {
  command.exitOverride().configureOutput({
    writeOut: (text) => context.stdout.write(text),
    writeErr: (text) => context.stderr.write(text),
  });
  for (const sub of command.commands) configure(sub, context);
}

function report(error: unknown, context: CliContext): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message (and the help when asked for).
    const fine = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code);
    // A command group called without a subcommand ("mcos admin") prints its help: a usage error.
    return fine && error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof CliError) {
    context.stderr.write(`mcos: ${error.message}\n`);
    if (error.hint) context.stderr.write(`      ${error.hint}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  context.stderr.write(`mcos: unexpected error (please report it): ${detail}\n`);
  return ExitCode.server;
}
