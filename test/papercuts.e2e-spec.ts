/**
 * What a new user hits in the first ten minutes (issue 20), for real: one
 * cluster started by `npm start`'s launcher (scripts/start.js --json) on free
 * loopback ports and a temp data dir, driven through the `mcos` binary and
 * plain HTTP; and the systemd units checked by systemd-analyze.
 */
import 'reflect-metadata';
import { ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, isExampleSecret, loadConfig } from '@mcos/common';
import { AgentConfig } from '../apps/agent/src/config/agent-config';
import { ControllerConfig } from '../apps/controller/src/config/controller-config';
import { alive, cleanEnv, freePort, makeTempDir, portsFree, removeTempDir, REPO_ROOT, waitFor } from './support';

jest.setTimeout(180_000);

const START_SCRIPT = join(REPO_ROOT, 'scripts', 'start.js');
const MCOS = join(REPO_ROOT, 'bin', 'mcos.js');
const UNITS_DIR = join(REPO_ROOT, 'deploy', 'systemd');

interface ReadyLine {
  controllerUrl: string;
  agents: { name: string; url: string; region: string; pid: number }[];
  controllerPid: number;
  admin: { username: string; password: string };
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}




describe('papercuts: a launched cluster', () => {
  let dir: string;
  let dataDir: string;
  let launcher: ChildProcess | undefined;
  let launcherExit: Promise<number | null>;
  let stdout = '';
  let stderr = '';
  let ready: ReadyLine;
  /** Every PID this test saw started (the launcher's children change on a restart). */
  const started = new Set<number>();

  /** `mcos` with its own login (config dir per identity). */
  function mcos(identity: string, args: string[]): Promise<Ran> {
    return new Promise((resolve) => {
      execFile(process.execPath, [MCOS, ...args], { cwd: dir, env: cleanEnv({ MCOS_CLI_CONFIG_DIR: join(dir, `cli-${identity}`) }), timeout: 60_000 }, (error, out, err) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 255) : 0, stdout: out, stderr: err });
      });
    });
  }

  function launcherPids(): { name: string; pid: number }[] {
    try {
      return (JSON.parse(readFileSync(join(dataDir, 'launcher.json'), 'utf8')) as { processes: { name: string; pid: number }[] }).processes;
    } catch {
      return [];
    }
  }

  beforeAll(async () => {
    dir = makeTempDir('mcos-papercuts-');
    dataDir = join(dir, 'data');
    let basePort = await freePort();
    for (let attempt = 0; attempt < 20 && !(await portsFree(basePort, 4)); attempt++) basePort = await freePort();
    launcher = spawn(process.execPath, [START_SCRIPT, '--data', dataDir, '--base-port', String(basePort), '--agents', '3', '--json'], {
      cwd: REPO_ROOT,
      env: cleanEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.add(launcher.pid as number);
    launcher.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    launcher.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    let exited: number | null | undefined;
    launcherExit = new Promise((resolve) => launcher!.once('exit', (code, signal) => resolve((exited = code ?? (signal ? -1 : null)))));
    await waitFor(() => stdout.includes('\n'), {
      timeoutMs: 120_000,
      description: 'the launcher to print its ready line',
      abortIf: () => (exited === undefined ? undefined : `launcher exited with ${exited}:\n${stderr}`),
    });
    ready = JSON.parse(stdout.trim()) as ReadyLine;
    for (const pid of [ready.controllerPid, ...ready.agents.map((a) => a.pid)]) started.add(pid);
  });

  afterAll(async () => {
    for (const p of launcherPids()) started.add(p.pid);
    if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
      launcher.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([launcherExit, new Promise((resolve) => (timer = setTimeout(resolve, 30_000)))]);
      clearTimeout(timer);
    }
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
    removeTempDir(dir);
  });

  it('creates a user without a role as a user, who can then log in', async () => {
    const login = await fetch(`${ready.controllerUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ready.admin),
    });
    const { token } = (await login.json()) as { token: string };
    const created = await fetch(`${ready.controllerUrl}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ username: 'carol', password: 'carol-password' }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ username: 'carol', role: 'user' });

    const carol = await mcos('carol', ['login', ready.agents[0].url, '--username', 'carol', '--password', 'carol-password']);
    expect(carol).toMatchObject({ code: 0, stderr: '' });
    expect(carol.stdout).toContain(`Logged in to ${ready.agents[0].url} as carol (role user)`);
    expect((await mcos('carol', ['mb', 'carols'])).code).toBe(0);
    // A user is told no controller (the agent names them to admins only), and is no admin anyway.
    expect((await mcos('carol', ['admin', 'services'])).code).not.toBe(0);
  });

  it('runs admin commands after a login at an agent without --controller', async () => {
    const login = await mcos('admin', ['login', ready.agents[1].url, '--username', ready.admin.username, '--password', ready.admin.password]);
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Admin commands go to the controller at ${ready.controllerUrl}.`);
    const services = await mcos('admin', ['admin', 'services']);
    expect(services).toMatchObject({ code: 0, stderr: '' });
    expect(services.stdout.match(/\bACTIVE\b/g)).toHaveLength(3);
    const json = await mcos('admin', ['--json', 'admin', 'services']);
    expect((JSON.parse(json.stdout) as { name: string }[]).map((s) => s.name).sort()).toEqual(['agent-a', 'agent-b', 'agent-c']);
  });

  it('restarts a SIGKILLed agent, serving again within 15 s with its data, and says why', async () => {
    const victim = ready.agents[1];
    const file = join(dir, 'kept.bin');
    writeFileSync(file, randomBytes(3 * 1024 * 1024 + 17));
    const md5 = createHash('md5').update(readFileSync(file)).digest('hex');
    expect((await mcos('writer', ['login', ready.agents[0].url, '--username', ready.admin.username, '--password', ready.admin.password])).code).toBe(0);
    expect((await mcos('writer', ['mb', 'kept'])).code).toBe(0);
    expect((await mcos('writer', ['put', file, 'kept/kept.bin'])).code).toBe(0);
    // Standard is R = 3 over 3 agents: the victim holds a replica before it dies.
    await waitFor(async () => (await mcos('writer', ['stat', 'kept/kept.bin'])).stdout.includes('3 of 3 primaries current'), { timeoutMs: 30_000, description: 'every replica written' });

    const killedAt = Date.now();
    process.kill(victim.pid, 'SIGKILL');
    // Serving again: the victim itself answers a read, and its own replica is current.
    await waitFor(
      async () => {
        if ((await mcos('reader', ['login', victim.url, '--username', ready.admin.username, '--password', ready.admin.password])).code !== 0) return false;
        const stat = await mcos('reader', ['--json', 'stat', 'kept/kept.bin']);
        if (stat.code !== 0) return false;
        const replicas = (JSON.parse(stat.stdout) as { replicas: { service: string; state: string }[] }).replicas;
        return replicas.some((r) => r.service === victim.name && r.state === 'current');
      },
      { timeoutMs: 15_000, intervalMs: 250, description: `${victim.name} serving again after SIGKILL` },
    );
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    const copy = join(dir, 'copy.bin');
    expect((await mcos('reader', ['get', 'kept/kept.bin', copy])).code).toBe(0);
    expect(createHash('md5').update(readFileSync(copy)).digest('hex')).toBe(md5);

    // The launcher said why it died, that it restarts it, and with which PID.
    expect(stderr).toContain(`mcos: ${victim.name} (pid ${victim.pid}) was killed by SIGKILL after`);
    expect(stderr).toMatch(new RegExp(`${victim.name} \\(pid ${victim.pid}\\) was killed by SIGKILL after [\\d.]+ s; restarting it in 1 s \\(restart 1\\)`));
    const restarted = new RegExp(`mcos: ${victim.name} restarted \\(pid (\\d+), restart 1\\)`).exec(stderr);
    expect(restarted).not.toBeNull();
    const newPid = Number(restarted![1]);
    started.add(newPid);
    expect(newPid).not.toBe(victim.pid);
    expect(alive(newPid)).toBe(true);
    // So does the agent's own log, and the state file a later launcher reads has the new PID.
    expect(readFileSync(join(dataDir, 'logs', `${victim.name}.log`), 'utf8')).toContain(`launcher: ${victim.name} (pid ${victim.pid}) was killed by SIGKILL`);
    expect(launcherPids()).toContainEqual({ name: victim.name, pid: newPid });
  });

  it('stops everything on Ctrl-C, the restarted agent too, and restarts nothing meanwhile', async () => {
    for (const p of launcherPids()) started.add(p.pid);
    launcher!.kill('SIGINT');
    expect(await launcherExit).toBe(0);
    const afterCtrlC = stderr.slice(stderr.indexOf('SIGINT: stopping the cluster'));
    expect(afterCtrlC).not.toContain('restarting it');
    expect(afterCtrlC).toContain('mcos: stopped');
    await waitFor(() => [...started].every((pid) => !alive(pid)), { timeoutMs: 10_000, description: 'every started process to be gone' });
  });
});

/** `systemd-analyze` of Debian's systemd package; CI must have it (.ci/run installs it). */
const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
const SYSTEMD_SYSUSERS = ['/usr/bin/systemd-sysusers', '/bin/systemd-sysusers'].find((p) => existsSync(p));

describe('deploy/systemd units', () => {
  let dir: string;

  beforeAll(() => {
    dir = makeTempDir('mcos-systemd-');
  });

  afterAll(() => {
    removeTempDir(dir);
  });

  /** The unit as it would be installed, with ExecStart pointing at this machine's node and this checkout. */
  function installed(unit: string, as: string, edit: (text: string) => string = (t) => t): string {
    const text = readFileSync(join(UNITS_DIR, unit), 'utf8').replaceAll('/usr/bin/node', process.execPath).replaceAll('/opt/mcos', REPO_ROOT);
    const path = join(dir, as);
    writeFileSync(path, edit(text));
    return path;
  }

  function verify(path: string): { status: number | null; output: string } {
    const ran = spawnSync(SYSTEMD_ANALYZE as string, ['verify', path], { encoding: 'utf8', timeout: 60_000 });
    return { status: ran.status, output: `${ran.stdout}${ran.stderr}`.trim() };
  }

  function settings(unit: string): Map<string, string[]> {
    const map = new Map<string, string[]>();
    for (const line of readFileSync(join(UNITS_DIR, unit), 'utf8').split('\n')) {
      const match = /^([A-Za-z]+)=(.*)$/.exec(line);
      if (match) map.set(match[1], [...(map.get(match[1]) ?? []), match[2]]);
    }
    return map;
  }

  it.each([
    ['mcos-controller.service', 'mcos-controller.service', 'controller'],
    ['mcos-agent@.service', 'mcos-agent@agent-a.service', 'agent'],
  ])('%s restarts on failure as user mcos, with its state directory and MCOS_CONFIG', (unit, _as, app) => {
    const sut = settings(unit);
    expect(sut.get('Restart')).toEqual(['on-failure']);
    expect(sut.get('User')).toEqual(['mcos']);
    expect(sut.get('NoNewPrivileges')).toEqual(['yes']);
    expect(sut.get('ProtectSystem')).toEqual(['strict']);
    expect(sut.get('StateDirectory')?.[0]).toMatch(/^mcos\//);
    expect(sut.get('ExecStart')).toEqual([`/usr/bin/node /opt/mcos/dist/apps/${app}/src/main.js`]);
    const environment = sut.get('Environment') ?? [];
    expect(environment.some((e) => /^MCOS_CONFIG=\/etc\/mcos\/\S+\.yaml$/.test(e))).toBe(true);
    expect(environment.some((e) => /^MCOS__[A-Z_]+(__[A-Z_]+)*=/.test(e))).toBe(true);
  });

  /** What systemd puts in the environment: the unit's Environment= lines (%i -> the instance), then the EnvironmentFile. */
  function environmentOf(unit: string, envFile: string, instance: string): Record<string, string> {
    const env: Record<string, string> = {};
    const assign = (line: string) => {
      const at = line.indexOf('=');
      env[line.slice(0, at)] = line.slice(at + 1).replaceAll('%i', instance);
    };
    for (const line of settings(unit).get('Environment') ?? []) assign(line);
    for (const line of readFileSync(join(UNITS_DIR, envFile), 'utf8').split('\n')) if (/^MCOS\w*=/.test(line)) assign(line);
    return env;
  }

  it('the controller unit and controller.env.example set keys the controller knows, with no example secret', () => {
    const env = environmentOf('mcos-controller.service', 'controller.env.example', '');
    expect(env.MCOS_CONFIG).toBe('/etc/mcos/controller.yaml');
    // config/controller.yaml stands in for /etc/mcos/controller.yaml.
    const load = (extra: Record<string, string> = {}) => loadConfig(ControllerConfig, { env: { ...env, MCOS_CONFIG: join(REPO_ROOT, 'config', 'controller.yaml'), ...extra } });
    const sut = load();
    expect(sut.database).toMatchObject({ type: 'sqlite', path: '/var/lib/mcos/controller/controller.sqlite' });
    expect(sut.host).toBe('0.0.0.0');
    expect([sut.joinToken, sut.bootstrapAdmin?.password].filter(isExampleSecret)).toEqual([]);
    // The check can fail: a misspelt override is refused by name.
    expect(() => load({ MCOS__JOIN_TOKN: 'x' })).toThrow(ConfigError);
  });

  it('the agent unit and agent.env.example set keys the agent knows: its name and data dir from the instance', () => {
    const env = environmentOf('mcos-agent@.service', 'agent.env.example', 'agent-a');
    expect(env.MCOS_CONFIG).toBe('/etc/mcos/agent-a.yaml');
    const load = (extra: Record<string, string> = {}) => loadConfig(AgentConfig, { env: { ...env, MCOS_CONFIG: join(REPO_ROOT, 'config', 'agent.yaml'), ...extra } });
    const sut = load();
    expect(sut).toMatchObject({ name: 'agent-a', dataDir: '/var/lib/mcos/agents/agent-a', host: '0.0.0.0', controllerUrl: 'http://controller.example:7000' });
    expect(() => load({ MCOS__DATADIR: 'x' })).toThrow(ConfigError);
  });

  it.each([
    ['mcos-controller.service', 'mcos-controller.service'],
    ['mcos-agent@.service', 'mcos-agent@agent-a.service'],
  ])('systemd-analyze verify accepts %s, and refuses a broken copy', (unit, as) => {
    if (!SYSTEMD_ANALYZE) {
      if (process.env.CI) throw new Error('systemd-analyze is missing: install Debian package systemd (.ci/run does)');
      console.warn('skipped: systemd-analyze is missing (Debian package systemd)');
      return;
    }
    expect(verify(installed(unit, as))).toEqual({ status: 0, output: '' });
    // The check can fail: an unknown key and a missing binary are reported.
    const broken = verify(installed(unit, `broken-${as}`, (t) => t.replace('Restart=on-failure', 'Restart=on-failure\nRestartt=always').replace(process.execPath, join(dir, 'no-such-node'))));
    expect(broken.status).not.toBe(0);
    expect(broken.output).toContain("Unknown key 'Restartt'");
    expect(broken.output).toContain('no-such-node');
  });

  it('creates the mcos system user with systemd-sysusers', () => {
    if (!SYSTEMD_SYSUSERS) {
      if (process.env.CI) throw new Error('systemd-sysusers is missing: install Debian package systemd (.ci/run does)');
      console.warn('skipped: systemd-sysusers is missing (Debian package systemd)');
      return;
    }
    const root = join(dir, 'root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    const conf = join(dir, 'mcos.conf');
    copyFileSync(join(UNITS_DIR, 'mcos.sysusers.conf'), conf);
    const ran = spawnSync(SYSTEMD_SYSUSERS, [`--root=${root}`, conf], { encoding: 'utf8', timeout: 60_000 });
    expect(ran.status).toBe(0);
    expect(readFileSync(join(root, 'etc', 'passwd'), 'utf8')).toMatch(/^mcos:x:\d+:\d+:MCOS object store:\/var\/lib\/mcos:\S*nologin$/m);
  });
});
