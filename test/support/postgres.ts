import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';
import { stopPid } from './process';
import { makeTempDir, removeTempDir } from './temp-dir';

const run = promisify(execFile);

/** Where PostgreSQL's server binaries are, or why a private server cannot be started here. */
export interface PostgresAvailability {
  binDir?: string;
  reason?: string;
}

/**
 * Looks for a Debian-style PostgreSQL install (/usr/lib/postgresql/<v>/bin,
 * newest version first) and the means to run it: the server refuses to run
 * as root, so we need root (to use `runuser`) and a `postgres` user.
 */
export function findPostgres(): PostgresAvailability {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return { reason: `PostgreSQL is not installed (${base} is missing; apt-get install postgresql)` };
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')) && existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) return { reason: `no initdb/pg_ctl under ${base}/*/bin` };
  if (process.getuid?.() !== 0) return { reason: 'starting a private PostgreSQL needs root (runuser -u postgres)' };
  if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser') && !existsSync('/usr/bin/runuser')) return { reason: 'runuser is missing' };
  const passwd = readFileSync('/etc/passwd', 'utf8');
  if (!/^postgres:/m.test(passwd)) return { reason: 'there is no postgres user' };
  return { binDir: join(base, versions[0] as string, 'bin') };
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth). */
  url: string;
  port: number;
  /** PID of the postmaster (read from its pid file). */
  pid: number;
  /** Stops this server (pg_ctl stop, then its PID if needed) and deletes its data. */
  stop(): Promise<void>;
}

/**
 * Starts a throw-away PostgreSQL on 127.0.0.1 and a free port, with its data
 * and socket in a new temp dir owned by the postgres user (~2 s).
 * @throws when findPostgres() reports it unavailable or the server does not start.
 */
export async function startPostgres(): Promise<PrivatePostgres> {
  const { binDir, reason } = findPostgres();
  if (!binDir) throw new Error(reason);
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  const root = makeTempDir('mcos-pg-');
  chownSync(root, uid, gid);
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  chownSync(dataDir, uid, gid);
  const asPostgres = (tool: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', join(binDir, tool), ...args], { cwd: root });
  await asPostgres('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const serverOptions = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  await asPostgres('pg_ctl', ['-D', dataDir, '-w', '-t', '30', '-l', join(root, 'server.log'), '-o', serverOptions, 'start']);
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    pid,
    async stop() {
      try {
        await asPostgres('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '20', 'stop']);
      } catch {
        await stopPid(pid, 5_000);
      }
      removeTempDir(root);
    },
  };
}
