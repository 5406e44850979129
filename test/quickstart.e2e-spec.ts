/**
 * The README's Quick start, for real: `npm start`'s launcher on free
 * loopback ports and a temp data dir, then the cluster driven only through
 * the `mcos` binary, as a user would. The commands are read from the README's
 * console blocks and run as written (`npx mcos` is bin/mcos.js; the README's
 * ports and password become this run's), and what they print is compared
 * with what the README shows.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { alive, cleanEnv, freePort, makeTempDir, portsFree, removeTempDir, REPO_ROOT, waitFor } from './support';

jest.setTimeout(150_000);

const README_CONTROLLER_PORT = 7000;
const README_PASSWORD = 'Vq3x9bK2mW7tZp1L';
/** The README's sample S3 key (the banner's `S3 key` line). */
const README_KEY_ID = 'MCOSEXAMPLEKEY2Q7ZBA';
const README_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
/** The agents' S3 ports are base + 101 ... (config/local-cluster.yaml: s3PortOffset). */
const S3_PORT_OFFSET = 100;
/** Debian's AWS CLI v2, by full path (a pyenv `aws` on PATH is another program). */
const AWS = '/usr/bin/aws';
const ELLIPSIS = '…';
const START_SCRIPT = join(REPO_ROOT, 'scripts', 'start.js');
const MCOS = join(REPO_ROOT, 'bin', 'mcos.js');

interface ReadyLine {
  controllerUrl: string;
  docsUrl: string;
  agents: { name: string; url: string; s3Url: string; region: string; pid: number }[];
  controllerPid: number;
  admin: { username: string; password: string };
  adminS3Key: { accessKeyId: string; secretAccessKey: string };
}

interface Step {
  command: string;
  expected: string[];
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}


/**
 * The launcher (node scripts/start.js) as a child: stdout and stderr kept
 * apart, or merged in order (as a terminal shows them) with `merged`.
 */
class Launcher {
  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  private exit?: number | null;
  private readonly exited: Promise<number | null>;

  constructor(args: string[], merged: boolean) {
    const env = cleanEnv({});
    this.proc = merged
      ? spawn('/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', process.execPath, START_SCRIPT, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [START_SCRIPT, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    this.proc.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve((this.exit = code ?? (signal ? -1 : null)))));
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Waits until stdout holds `text`; fails at once if the launcher exits. */
  async waitForOutput(text: string, timeoutMs = 90_000): Promise<void> {
    await waitFor(() => this.stdout.includes(text), {
      timeoutMs,
      intervalMs: 100,
      description: `launcher output "${text}"`,
      abortIf: () => (this.running ? undefined : `launcher exited with ${this.exit}:\n${this.stdout}\n${this.stderr}`),
    });
  }

  /** SIGINT (Ctrl-C); resolves with the exit code. */
  async interrupt(timeoutMs = 30_000): Promise<number | null> {
    this.proc.kill('SIGINT');
    return this.waitForExit(timeoutMs);
  }

  async waitForExit(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`launcher did not exit within ${timeoutMs} ms`)), timeoutMs)));
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The Quick start's console blocks, each as steps (`$ command` and the lines shown after it; `^C` starts a step too). */
function quickStartBlocks(): Step[][] {
  const text = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = text.indexOf('\n## Quick start\n');
  if (start < 0) throw new Error('README has no "## Quick start" section');
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```console\n([\s\S]*?)```/g)].map((match) => {
    const steps: Step[] = [];
    for (const line of match[1].replace(/\n$/, '').split('\n')) {
      if (line.startsWith('$ ') || steps.length === 0) steps.push({ command: line.replace(/^\$ /, ''), expected: [] });
      else steps[steps.length - 1].expected.push(line);
    }
    return steps;
  });
}

/**
 * Values that differ on every run, replaced on both sides before comparing
 * (times, dates, etags, PIDs, capacity and speed figures, ring versions);
 * runs of spaces count as one, since column widths follow the values.
 */
function normalise(line: string): string {
  return line
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, '<date>')
    .replace(/\b[0-9a-f]{32}\b/g, '<md5>')
    .replace(/\bpid \d+/g, 'pid <n>')
    .replace(/ready in \d+(\.\d+)? s/g, 'ready in <t> s')
    .replace(/[\d.]+ [KMGTP]?i?B \/ [\d.]+ [KMGTP]?i?B/g, '<capacity>')
    .replace(/w [\d-]+ \/ r [\d-]+ MB\/s/g, '<speed>')
    .replace(/\bv\d+\b/g, 'v<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Checks printed lines against a README transcript: `…` alone skips any
 * lines, `…` inside a line matches any text.
 * @throws with both texts when they differ.
 */
function expectTranscript(expected: string[], printed: string, what: string): void {
  const want = expected.map(normalise);
  const got = printed.split('\n').map(normalise);
  while (got.length > 0 && got[got.length - 1] === '') got.pop();
  const same = (pattern: string, line: string) => new RegExp(`^${pattern.split(ELLIPSIS).map(escapeRegExp).join('.*')}$`).test(line);
  const match = (w: number, g: number): boolean => {
    if (w === want.length) return g === got.length;
    if (want[w] === ELLIPSIS) {
      for (let next = g; next <= got.length; next++) if (match(w + 1, next)) return true;
      return false;
    }
    return g < got.length && same(want[w], got[g]) && match(w + 1, g + 1);
  };
  if (!match(0, 0)) {
    throw new Error(`${what}: the README shows\n${expected.join('\n')}\n\nbut it printed\n${printed}\n\n(normalised: README\n${want.join('\n')}\nprinted\n${got.join('\n')})`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}


const md5Of = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');

describe('Quick start (npm start + mcos, as the README shows)', () => {
  const blocks = quickStartBlocks();
  let dir: string;
  let dataDir: string;
  let work: string;
  let cliConfig: string;
  let basePort: number;
  let ready: ReadyLine;
  let launcher: Launcher | undefined;
  const started: number[] = [];

  /** README (port 700x, sample password) -> this run, for a command. */
  function toRun(command: string): string {
    return command
      .replace(/\bnpx mcos\b/g, `"${process.execPath}" "${MCOS}"`)
      .replace(/http:\/\/127\.0\.0\.1:(\d{4})\b/g, (_, port: string) => `http://127.0.0.1:${basePort + Number(port) - README_CONTROLLER_PORT}`)
      .replaceAll(README_PASSWORD, ready.admin.password)
      .replaceAll(README_KEY_ID, ready.adminS3Key.accessKeyId)
      .replaceAll(README_SECRET, ready.adminS3Key.secretAccessKey)
      .replace(/^aws /, `${AWS} `)
      .replace(/&& aws /g, `&& ${AWS} `);
  }

  /** This run -> README, for what a command printed. */
  function toReadme(text: string): string {
    let out = text
      .replaceAll(ready.admin.password, README_PASSWORD)
      .replaceAll(ready.adminS3Key.accessKeyId, README_KEY_ID)
      .replaceAll(ready.adminS3Key.secretAccessKey, README_SECRET)
      .replaceAll(dataDir, './data');
    for (let i = ready.agents.length; i >= 1; i--) {
      const s3 = S3_PORT_OFFSET + i;
      out = out.replaceAll(`http://127.0.0.1:${basePort + s3}`, `http://127.0.0.1:${README_CONTROLLER_PORT + s3}`);
    }
    for (let i = ready.agents.length; i >= 0; i--) out = out.replaceAll(`http://127.0.0.1:${basePort + i}`, `http://127.0.0.1:${README_CONTROLLER_PORT + i}`);
    return out;
  }

  function sh(command: string, env: Record<string, string> = {}): Promise<Ran> {
    return new Promise((resolve) => {
      execFile('/bin/sh', ['-c', command], { cwd: work, env: cleanEnv({ MCOS_CLI_CONFIG_DIR: cliConfig, ...env }), maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 255) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  function mcos(...args: string[]): Promise<Ran> {
    return sh([process.execPath, MCOS, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' '));
  }

  /**
   * Runs README steps as written, in one shell (so an `export` line holds
   * for the steps after it), and compares each step's stdout with the README.
   * The AWS CLI reads only a private, empty config (never the user's).
   */
  async function runStepsInOneShell(steps: Step[], label: string): Promise<void> {
    const marker = '@@quickstart-step';
    const script = steps.map((step) => `${toRun(step.command)}\necho "${marker} $?"`).join('\n');
    const awsHome = join(dir, 'aws-home');
    mkdirSync(awsHome, { recursive: true });
    const ran = await sh(script, {
      HOME: awsHome,
      AWS_CONFIG_FILE: join(awsHome, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(awsHome, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    });
    const outputs = ran.stdout.split(new RegExp(`^${marker} (\\d+)\n`, 'm'));
    steps.forEach((step, i) => {
      const [printed, code] = [outputs[2 * i], outputs[2 * i + 1]];
      if (code !== '0') throw new Error(`${label}: "${step.command}" exited with ${code}\nstdout:\n${ran.stdout}\nstderr:\n${ran.stderr}`);
      expectTranscript(step.expected, toReadme(printed), `${label}: $ ${step.command}`);
    });
  }

  /** Runs README steps as written and compares their stdout with the README. */
  async function runSteps(steps: Step[], label: string): Promise<Map<string, Ran>> {
    const results = new Map<string, Ran>();
    for (const step of steps) {
      const ran = await sh(toRun(step.command));
      if (ran.code !== 0) throw new Error(`${label}: "${step.command}" exited with ${ran.code}\nstdout:\n${ran.stdout}\nstderr:\n${ran.stderr}`);
      expectTranscript(step.expected, toReadme(ran.stdout), `${label}: $ ${step.command}`);
      results.set(step.command, ran);
    }
    return results;
  }

  beforeAll(async () => {
    dir = makeTempDir('mcos-quickstart-');
    dataDir = join(dir, 'data');
    work = join(dir, 'work');
    cliConfig = join(dir, 'cli-config');
    mkdirSync(work);
    basePort = await freePort();
    // The agents take the ports after the controller's, their S3 base + 101...: make sure they are free too.
    for (let attempt = 0; attempt < 40 && !((await portsFree(basePort, 4)) && (await portsFree(basePort + S3_PORT_OFFSET + 1, 3))); attempt++) basePort = await freePort();
  });

  afterAll(async () => {
    if (launcher?.running) await launcher.interrupt().catch(() => undefined);
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
    removeTempDir(dir);
  });

  it('has the README blocks this test runs', () => {
    expect(blocks.map((b) => b[0].command)).toEqual(['npm start', expect.stringContaining('npx mcos login'), '^C', 'npm start', 'npx mcos ls notes', expect.stringMatching(/^export AWS_ACCESS_KEY_ID=/)]);
  });

  it('starts a cluster and prints one JSON line when it is ready (--json)', async () => {
    launcher = new Launcher(['--data', dataDir, '--base-port', String(basePort), '--agents', '3', '--json'], false);
    started.push(launcher.pid);
    await launcher.waitForOutput('\n');
    const lines = launcher.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    ready = JSON.parse(lines[0]) as ReadyLine;
    started.push(ready.controllerPid, ...ready.agents.map((a) => a.pid));
    expect(ready).toEqual({
      controllerUrl: `http://127.0.0.1:${basePort}`,
      docsUrl: `http://127.0.0.1:${basePort}/docs`,
      agents: ['a', 'b', 'c'].map((x, i) => ({
        name: `agent-${x}`,
        url: `http://127.0.0.1:${basePort + 1 + i}`,
        s3Url: `http://127.0.0.1:${basePort + S3_PORT_OFFSET + 1 + i}`,
        region: `local-${x}`,
        pid: expect.any(Number),
      })),
      controllerPid: expect.any(Number),
      admin: { username: 'admin', password: expect.stringMatching(/^\S{16,}$/) },
      adminS3Key: { accessKeyId: expect.stringMatching(/^MCOS[A-Z2-7]{16}$/), secretAccessKey: expect.stringMatching(/^\S{40}$/) },
    });
    expect(statSync(join(dataDir, 'admin-s3-key')).mode & 0o777).toBe(0o600);
    expect(new Set([launcher.pid, ready.controllerPid, ...ready.agents.map((a) => a.pid)]).size).toBe(5);
    expect(statSync(join(dataDir, 'admin-password')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'admin-password'), 'utf8').trim()).toBe(ready.admin.password);
    // Everything but the JSON line went to stderr.
    expect(launcher.stderr).toContain('mcos: starting the controller');
  });

  it('runs the README session through mcos: login, mb, put 20 MiB, ls, stat, get, rm, rb, admin services', async () => {
    const ran = await runSteps(blocks[1], 'mcos session');
    expect(statSync(join(cliConfig, 'config.json')).mode & 0o777).toBe(0o600);
    const stat = ran.get('npx mcos stat photos/big.bin')!.stdout;
    expect(stat.match(/primary\s+current/g)).toHaveLength(3);
    expect(statSync(join(work, 'big.bin')).size).toBe(20 * 1024 * 1024);
    expect(md5Of(join(work, 'copy.bin'))).toBe(md5Of(join(work, 'big.bin')));
    const services = ran.get('npx mcos admin services')!.stdout;
    expect(services.match(/\bACTIVE\b/g)).toHaveLength(3);
    // Not a terminal: no progress bar, nothing on stderr for a successful get.
    expect(ran.get('npx mcos get photos/big.bin copy.bin')!.stderr).toBe('');
  });

  it('answers scripts in JSON and maps failures to exit codes with a hint', async () => {
    const services = await mcos('admin', 'services', '--json');
    expect(services.code).toBe(0);
    expect((JSON.parse(services.stdout) as { status: string }[]).map((s) => s.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    const stat = await mcos('--json', 'stat', 'notes/hello.txt');
    expect(JSON.parse(stat.stdout)).toMatchObject({ container: 'notes', name: 'hello.txt', size: 21, option: 'standard' });

    const missing = await mcos('stat', 'notes/missing.txt');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain('not found');
    expect((await mcos('put', 'nowhere.bin')).code).toBe(2);
    expect((await mcos('frobnicate')).code).toBe(2);
    const notEmpty = await mcos('rb', 'notes');
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.stderr).toContain('mcos rm notes/');
    const wrong = await sh(`"${process.execPath}" "${MCOS}" login ${ready.agents[1].url} --username admin --password wrong-password`, { MCOS_CLI_CONFIG_DIR: join(dir, 'other-config') });
    expect(wrong.code).toBe(3);
    const anonymous = await sh(`"${process.execPath}" "${MCOS}" ls`, { MCOS_CLI_CONFIG_DIR: join(dir, 'other-config') });
    expect(anonymous.code).toBe(3);
    expect(anonymous.stderr).toContain('mcos login');
    const unreachable = await sh(`"${process.execPath}" "${MCOS}" login http://127.0.0.1:1 --username admin --password x`, { MCOS_CLI_CONFIG_DIR: join(dir, 'other-config') });
    expect(unreachable.code).toBe(4);
    // Any agent serves the same data; --password-stdin for scripts.
    const viaOther = await sh(
      `printf '%s\\n' '${ready.admin.password}' | "${process.execPath}" "${MCOS}" login ${ready.agents[2].url} --username admin --password-stdin >/dev/null && "${process.execPath}" "${MCOS}" get notes/hello.txt -`,
      { MCOS_CLI_CONFIG_DIR: join(dir, 'third-config') },
    );
    expect(viaOther).toMatchObject({ code: 0, stdout: 'kept across restarts\n' });
  });

  it('stops agents, then the controller, on SIGINT, and every process is gone', async () => {
    const code = await launcher!.interrupt();
    expect(code).toBe(0);
    const afterReady = launcher!.stderr.slice(launcher!.stderr.indexOf('mcos: ready in'));
    const [ctrlC] = blocks[2];
    expectTranscript(ctrlC.expected, afterReady.split('\n').slice(1).join('\n'), 'Ctrl-C');
    await waitFor(() => started.every((pid) => !alive(pid)), { timeoutMs: 10_000, description: 'every started process to be gone' });
  });

  it('starts again on the same data: same password, same banner, objects still there', async () => {
    launcher = new Launcher(['--data', dataDir, '--base-port', String(basePort), '--agents', '3'], true);
    started.push(launcher.pid);
    await launcher.waitForOutput('Ctrl-C stops the cluster');
    const printed = toReadme(launcher.stdout);
    const [firstStart] = blocks[0];
    const [secondStart] = blocks[3];
    expectTranscript(firstStart.expected, printed, '$ npm start');
    expectTranscript(secondStart.expected, printed, '$ npm start (again)');
    started.push(...[...launcher.stdout.matchAll(/pid (\d+)/g)].map((m) => Number(m[1])));
    await runSteps(blocks[4], 'after the restart');
    // The same key after a restart (kept in the data dir), and the README's S3 lines as written.
    expect(printed).toContain(`S3 key      ${README_KEY_ID}  secret ${README_SECRET}`);
    if (existsSync(AWS) || process.env.CI) await runStepsInOneShell(blocks[5], 'S3 with aws');
    else process.stderr.write(`skipped the README's aws lines: ${AWS} is not installed (apt-get install awscli; under CI this fails)\n`);

    expect(await launcher.interrupt()).toBe(0);
    await waitFor(() => started.every((pid) => !alive(pid)), { timeoutMs: 10_000, description: 'every started process to be gone' });
  });
});

