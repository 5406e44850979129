import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { S3Key } from './s3-cluster';

/** Debian's clients, called by full path (a pyenv `aws` or `python3` earlier on PATH is another program). */
export const S3_CLIENTS = {
  aws: '/usr/bin/aws',
  s3cmd: '/usr/bin/s3cmd',
  rclone: '/usr/bin/rclone',
  python3: '/usr/bin/python3',
} as const;

/** The region every client signs for (the door accepts any). */
export const REGION = 'us-east-1';

/** Whether a client is installed (and, for python, whether it imports `pythonModule`). */
export function clientInstalled(binary: string, pythonModule?: string): boolean {
  if (!existsSync(binary)) return false;
  if (!pythonModule) return true;
  try {
    execFileSync(binary, ['-c', `import ${pythonModule}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * `describe` when the client is there; under CI (CI set) also when it is
 * missing, so the suite fails instead of skipping; otherwise a skipped
 * describe that says why.
 */
export function describeWithClient(binary: string, pythonModule?: string): jest.Describe {
  if (clientInstalled(binary, pythonModule) || process.env.CI) return describe;
  process.stderr.write(`skipped: ${binary}${pythonModule ? ` with ${pythonModule}` : ''} is not installed (apt-get install awscli s3cmd rclone python3-boto3; under CI this fails)\n`);
  return describe.skip;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A private home for the clients: temp config files only (never the user's
 * ~/.aws, ~/.s3cfg or rclone.conf), the key in the environment, path-style
 * addressing and SigV4 for us-east-1.
 */
export class ClientHome {
  readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly dir: string,
    readonly key: S3Key,
  ) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'aws-config'), `[default]\nregion = ${REGION}\ns3 =\n    signature_version = s3v4\n    addressing_style = path\n`);
    writeFileSync(join(dir, 'aws-credentials'), '');
    this.env = {
      PATH: '/usr/bin:/bin',
      HOME: dir,
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      AWS_DEFAULT_REGION: REGION,
      AWS_CONFIG_FILE: join(dir, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
      RCLONE_CONFIG: join(dir, 'rclone.conf'),
      XDG_CONFIG_HOME: join(dir, '.config'),
    };
  }

  /** An s3cmd config for this endpoint: SigV4, path-style (no %(bucket)s), plain HTTP. */
  s3cmdConfig(s3Url: string): string {
    const host = new URL(s3Url).host;
    const file = join(this.dir, `s3cfg-${host.replace(/\W/g, '_')}`);
    writeFileSync(
      file,
      [
        '[default]',
        `access_key = ${this.key.accessKeyId}`,
        `secret_key = ${this.key.secretAccessKey}`,
        `host_base = ${host}`,
        `host_bucket = ${host}`,
        `bucket_location = ${REGION}`,
        'signature_v2 = False',
        'use_https = False',
        'check_ssl_certificate = False',
        'guess_mime_type = False',
        '',
      ].join('\n'),
    );
    return file;
  }

  /** An rclone remote `name` (provider Other, path-style) in this home's rclone.conf. */
  rcloneRemote(name: string, s3Url: string): void {
    const file = this.env.RCLONE_CONFIG as string;
    const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
    writeFileSync(
      file,
      `${previous}[${name}]\ntype = s3\nprovider = Other\naccess_key_id = ${this.key.accessKeyId}\nsecret_access_key = ${this.key.secretAccessKey}\nendpoint = ${s3Url}\nregion = ${REGION}\nforce_path_style = true\n\n`,
    );
  }

  /** Runs a client; never throws on its exit code (the test checks it with what it printed). */
  run(binary: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = execFile(binary, args, { env: { ...this.env, ...options.env }, cwd: this.dir, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 255) : 0;
        resolve({ code, stdout, stderr });
      });
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  /** Runs a client and fails with everything it printed unless it exits 0. */
  async ok(binary: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<string> {
    const r = await this.run(binary, args, options);
    if (r.code !== 0) throw new Error(`${binary} ${args.join(' ')} exited with ${r.code}\nstdout:\n${r.stdout.slice(-4000)}\nstderr:\n${r.stderr.slice(-8000)}`);
    return r.stdout;
  }
}

/** Prints a client's version in the test output (which client a failure came from). */
export async function logVersion(home: ClientHome, binary: string, args: string[]): Promise<string> {
  const r = await home.run(binary, args);
  const version = `${r.stdout}${r.stderr}`.trim().split('\n')[0];
  process.stdout.write(`${binary}: ${version}\n`);
  return version;
}

/**
 * A tree of `count` files in nested directories, with names that need
 * escaping (spaces, `+`, `%`, Unicode) and sizes from 0 B to ~20 KiB.
 */
export function makeTree(root: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const dir = join(root, `dir ${i % 7}`, i % 3 === 0 ? 'sub+ü' : '');
    mkdirSync(dir, { recursive: true });
    const name = i % 5 === 0 ? `file %${i}+ é.bin` : `file-${i}.txt`;
    writeFileSync(join(dir, name), randomBytes((i * 97) % 20_000));
  }
}

/** Relative path -> SHA-256 of every file under `root`. */
export function treeDigest(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return out;
}

export const md5Hex = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');
export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
