import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { http } from './http';
import { REPO_ROOT, builtScript } from './paths';
import { freePort, portsFree } from './ports';
import { alive, NodeProcess, stopPid } from './process';
import type { LaunchedReady, S3Key } from './s3-cluster';
import { makeTempDir, removeTempDir } from './temp-dir';
import { waitFor } from './wait';

/** Offset of the agents' S3 ports from the base port (config/local-cluster.yaml: s3PortOffset). */
const S3_PORT_OFFSET = 100;

export interface MultipartClusterOptions {
  agents?: number;
  /** Merged into the `agent:` section of config/local-cluster.yaml (keys of config/agent.yaml). */
  agentConfig?: Record<string, unknown>;
}

/**
 * The S3-C launched cluster (test/support/s3-cluster.ts), started the way a
 * multipart test needs it: the launcher RESTARTS an agent that dies (a test
 * SIGKILLs one mid-upload), extra agent settings can be merged into the
 * cluster config (a short multipart expiry), and each agent's fs backend
 * directory is known so a test can list what is really stored.
 */
export class MultipartCluster {
  private admin?: string;

  private constructor(
    readonly dir: string,
    readonly launcher: NodeProcess,
    readonly ready: LaunchedReady,
  ) {}

  static async start(options: MultipartClusterOptions = {}): Promise<MultipartCluster> {
    const agents = options.agents ?? 3;
    const dir = makeTempDir('mcos-mpu-');
    const config = parse(readFileSync(join(REPO_ROOT, 'config', 'local-cluster.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    config.agent = { ...config.agent, ...options.agentConfig };
    const configFile = join(dir, 'cluster.yaml');
    writeFileSync(configFile, stringify(config));
    let basePort = await freePort();
    for (let attempt = 0; attempt < 40 && !((await portsFree(basePort, agents + 1)) && (await portsFree(basePort + S3_PORT_OFFSET + 1, agents))); attempt++) {
      basePort = await freePort();
    }
    const launcher = NodeProcess.start(builtScript('apps/launcher/src/main.js'), {
      name: 'launcher',
      args: ['--config', configFile, '--data', join(dir, 'data'), '--base-port', String(basePort), '--agents', String(agents), '--json'],
      cwd: dir,
      logFile: join(dir, 'launcher.log'),
    });
    try {
      const line = await waitFor(() => launcher.output().split('\n').find((l) => l.startsWith('{"controllerUrl"')), {
        timeoutMs: 120_000,
        intervalMs: 200,
        description: 'the launcher to print its ready line',
        abortIf: () => (launcher.running ? undefined : `the launcher exited with ${launcher.code}:\n${launcher.output()}`),
      });
      const ready = JSON.parse(line) as LaunchedReady;
      if (!ready.agents.every((a) => a.s3Url)) throw new Error(`the launcher gave no s3Url: ${line}`);
      return new MultipartCluster(dir, launcher, ready);
    } catch (error) {
      await launcher.stop(15_000);
      removeTempDir(dir);
      throw error;
    }
  }

  /** Ctrl-C to the launcher, then every PID it ever reported (restarted agents too) is checked gone. */
  async stop(): Promise<void> {
    const pids = new Set([this.ready.controllerPid, ...this.ready.agents.map((a) => a.pid), ...this.currentPids()]);
    if (this.launcher.running) {
      process.kill(this.launcher.pid, 'SIGINT');
      await this.launcher.waitForExit(40_000).catch(() => this.launcher.stop());
    }
    for (const pid of pids) if (alive(pid)) await stopPid(pid);
    removeTempDir(this.dir);
  }

  /** The admin's key the launcher made on the first start (the ready line's adminS3Key). */
  get adminKey(): S3Key {
    if (!this.ready.adminS3Key) throw new Error('the launcher made no S3 key for the admin');
    return this.ready.adminS3Key;
  }

  get agentCount(): number {
    return this.ready.agents.length;
  }

  s3Url(agent = 0): string {
    return this.ready.agents[agent].s3Url;
  }

  url(agent = 0): string {
    return this.ready.agents[agent].url;
  }

  name(agent: number): string {
    return this.ready.agents[agent].name;
  }

  /** Where agent i's fs backend keeps its keys (launcher: <data>/agents/<name>/objects; the driver: objects/ under that root). */
  backendRoot(agent: number): string {
    return join(this.dir, 'data', 'agents', this.name(agent), 'objects', 'objects');
  }

  /** The agent's log file as the launcher writes it. */
  logFile(agent: number): string {
    return join(this.dir, 'data', 'logs', `${this.name(agent)}.log`);
  }

  /** PIDs the launcher reports now (launcher.json; a restarted agent has a new one). */
  currentPids(): number[] {
    return this.launcherState()?.processes.map((p) => p.pid) ?? [];
  }

  /** Agent i's PID now, from launcher.json. */
  agentPid(agent: number): number {
    const found = this.launcherState()?.processes.find((p) => p.name === this.name(agent));
    if (!found) throw new Error(`launcher.json names no ${this.name(agent)}`);
    return found.pid;
  }

  /** SIGKILL to agent i (no goodbye to the cluster); returns the PID killed. */
  killAgent(agent: number): number {
    const pid = this.agentPid(agent);
    process.kill(pid, 'SIGKILL');
    return pid;
  }

  /** Waits for the launcher to have restarted agent i (a new PID) and for it to answer its user API. */
  async waitRestarted(agent: number, killedPid: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(() => this.launcherState()?.processes.some((p) => p.name === this.name(agent) && p.pid !== killedPid && alive(p.pid)), {
      timeoutMs,
      intervalMs: 200,
      description: `the launcher to restart ${this.name(agent)}`,
    });
    await waitFor(
      async () => {
        const r = await fetch(`${this.url(agent)}/v1/containers`, { signal: AbortSignal.timeout(2_000) });
        await r.arrayBuffer();
        return r.status === 401;
      },
      { timeoutMs, intervalMs: 250, description: `${this.name(agent)} to serve its user API again` },
    );
  }

  async adminToken(): Promise<string> {
    if (!this.admin) {
      const r = await http<{ token: string }>('POST', `${this.ready.controllerUrl}/v1/auth/login`, { body: { username: this.ready.admin.username, password: this.ready.admin.password } });
      if (r.status !== 200) throw new Error(`admin login: ${r.status} ${JSON.stringify(r.body)}`);
      this.admin = r.body.token;
    }
    return this.admin;
  }

  private launcherState(): { processes: { name: string; pid: number }[] } | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'data', 'launcher.json'), 'utf8')) as { processes: { name: string; pid: number }[] };
    } catch {
      return undefined;
    }
  }
}
