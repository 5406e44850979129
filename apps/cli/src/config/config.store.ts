import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, ExitCode } from '../errors/cli.error';

/** What `mcos login` keeps between commands. */
export interface Session {
  /** The agent every user command talks to. */
  agentUrl: string;
  /** The controller admin commands talk to, given at login with --controller: it wins over `controllers`. */
  controllerUrl?: string;
  /** The controllers the agent named in its login answer (admins only); admin commands use the first that answers. */
  controllers?: string[];
  username: string;
  role: string;
  token: string;
  expiresAt: string;
}

export const CONFIG_FILE_NAME = 'config.json';

/**
 * The CLI's one config location: `$MCOS_CLI_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/mcos`, else `~/.config/mcos`.
 */
export function configDirFrom(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string {
  if (env.MCOS_CLI_CONFIG_DIR) return env.MCOS_CLI_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'mcos');
  return join(home, '.config', 'mcos');
}

/**
 * Reads and writes the session file. The token is a secret: the directory
 * is 0700 and the file 0600, written atomically (temp file + rename).
 */
export class ConfigStore {
  constructor(readonly dir: string) {}

  get file(): string {
    return join(this.dir, CONFIG_FILE_NAME);
  }

  /** The stored session, or undefined when not logged in. @throws CliError when the file is unreadable. */
  load(): Session | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CliError(`cannot read ${this.file}: ${(error as Error).message}`, ExitCode.auth, 'fix its permissions, or delete it and log in again');
    }
    try {
      const session = JSON.parse(text) as Session;
      if (typeof session.agentUrl !== 'string' || typeof session.token !== 'string') throw new Error('agentUrl or token missing');
      return session;
    } catch (error) {
      throw new CliError(`${this.file} is damaged (${(error as Error).message})`, ExitCode.auth, 'log in again: mcos login <agent-url>');
    }
  }

  /** The stored session. @throws CliError (exit 3) when not logged in. */
  require(): Session {
    const session = this.load();
    if (!session) throw new CliError('not logged in', ExitCode.auth, 'log in first: mcos login <agent-url> --username <name>');
    return session;
  }

  save(session: Session): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, this.file);
  }

  /** Forgets the session; true when there was one. */
  clear(): boolean {
    const had = existsSync(this.file);
    rmSync(this.file, { force: true });
    return had;
  }
}
