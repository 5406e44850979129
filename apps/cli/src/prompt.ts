import type { CliContext } from './cli-context';
import { CliError, ExitCode } from './errors/cli.error';

/**
 * Asks on the terminal (question on stderr). With `hidden`, the answer is
 * not echoed (passwords). Only on a terminal: a script must pass the value.
 * @throws CliError (usage) when stdin is not a terminal, naming `flag`.
 */
export function ask(context: CliContext, question: string, flag: string, hidden = false): Promise<string> {
  const { stdin, stderr } = context;
  if (!stdin.isTTY || !stdin.setRawMode) {
    return Promise.reject(new CliError(`${flag} is required here (not a terminal, so mcos cannot ask)`, ExitCode.usage, `pass ${flag}`));
  }
  stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = '';
    stdin.setRawMode?.(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    const finish = (error?: Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new CliError('cancelled', ExitCode.usage));
        if (char === '\u007f' || char === '\b') {
          if (answer.length > 0) {
            answer = answer.slice(0, -1);
            if (!hidden) stderr.write('\b \b');
          }
          continue;
        }
        answer += char;
        if (!hidden) stderr.write(char);
      }
    };
    stdin.on('data', onData);
  });
}
