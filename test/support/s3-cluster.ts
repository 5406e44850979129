import { join } from 'node:path';
import { http } from './http';
import { builtScript } from './paths';
import { freePort, portsFree } from './ports';
import { alive, NodeProcess, stopPid } from './process';
import { makeTempDir, removeTempDir } from './temp-dir';
import { waitFor } from './wait';

/** An S3 access key as the controller hands it out (the secret once). */
export interface S3Key {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The launcher's `--json` line. */
export interface LaunchedReady {
  controllerUrl: string;
  agents: { name: string; url: string; s3Url: string; region: string; pid: number }[];
  controllerPid: number;
  admin: { username: string; password: string };
  adminS3Key?: S3Key;
}

/** Offset of the agents' S3 ports from the base port (config/local-cluster.yaml: s3PortOffset). */
const S3_PORT_OFFSET = 100;

/**
 * A local cluster started as `npm start` starts it (the built launcher,
 * dist/apps/launcher/src/main.js, with --json on free loopback ports and a
 * temp data dir): a controller and three agents, each serving S3. One per
 * test file; stop() interrupts the launcher (Ctrl-C) and makes sure every
 * process it started is gone.
 */
export class S3Cluster {
  private admin?: string;

  private constructor(
    readonly dir: string,
    readonly launcher: NodeProcess,
    readonly ready: LaunchedReady,
  ) {}

  static async start(agents = 3): Promise<S3Cluster> {
    const dir = makeTempDir('mcos-s3-');
    let basePort = await freePort();
    // Controller, agents and their S3 ports (base + 101 ...) must all be free.
    for (let attempt = 0; attempt < 40 && !((await portsFree(basePort, agents + 1)) && (await portsFree(basePort + S3_PORT_OFFSET + 1, agents))); attempt++) {
      basePort = await freePort();
    }
    const launcher = NodeProcess.start(builtScript('apps/launcher/src/main.js'), {
      name: 'launcher',
      args: ['--data', join(dir, 'data'), '--base-port', String(basePort), '--agents', String(agents), '--json', '--no-restart'],
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
      return new S3Cluster(dir, launcher, ready);
    } catch (error) {
      await launcher.stop(15_000);
      removeTempDir(dir);
      throw error;
    }
  }

  /** Ctrl-C to the launcher (agents leave, then the controller), then every PID it started is checked gone. */
  async stop(): Promise<void> {
    if (this.launcher.running) {
      process.kill(this.launcher.pid, 'SIGINT');
      await this.launcher.waitForExit(40_000).catch(() => this.launcher.stop());
    }
    for (const pid of [this.ready.controllerPid, ...this.ready.agents.map((a) => a.pid)]) if (alive(pid)) await stopPid(pid);
    removeTempDir(this.dir);
  }

  /** The admin's key the launcher made on the first start. */
  get adminKey(): S3Key {
    if (!this.ready.adminS3Key) throw new Error('the launcher made no S3 key for the admin');
    return this.ready.adminS3Key;
  }

  s3Url(agent = 0): string {
    return this.ready.agents[agent].s3Url;
  }

  url(agent = 0): string {
    return this.ready.agents[agent].url;
  }

  async adminToken(): Promise<string> {
    if (!this.admin) {
      const r = await http<{ token: string }>('POST', `${this.ready.controllerUrl}/v1/auth/login`, { body: { username: this.ready.admin.username, password: this.ready.admin.password } });
      if (r.status !== 200) throw new Error(`admin login: ${r.status} ${JSON.stringify(r.body)}`);
      this.admin = r.body.token;
    }
    return this.admin;
  }

  /** A user made through the controller's admin API. */
  async createUser(username: string, password: string): Promise<void> {
    const r = await http('POST', `${this.ready.controllerUrl}/v1/users`, { token: await this.adminToken(), body: { username, password, role: 'user' } });
    if (r.status !== 201 && r.status !== 200) throw new Error(`create user ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** `POST /v1/users/{name}/keys` (admin). */
  async createKey(username: string): Promise<S3Key> {
    const r = await http<S3Key>('POST', `${this.ready.controllerUrl}/v1/users/${encodeURIComponent(username)}/keys`, { token: await this.adminToken(), body: {} });
    if ((r.status !== 201 && r.status !== 200) || typeof r.body.secretAccessKey !== 'string') throw new Error(`create key for ${username}: ${r.status} ${JSON.stringify(r.body)}`);
    return { accessKeyId: r.body.accessKeyId, secretAccessKey: r.body.secretAccessKey };
  }

  /** Revokes a key through the admin API. */
  async revokeKey(username: string, accessKeyId: string): Promise<void> {
    const r = await http('DELETE', `${this.ready.controllerUrl}/v1/users/${encodeURIComponent(username)}/keys/${encodeURIComponent(accessKeyId)}`, { token: await this.adminToken() });
    if (r.status !== 204 && r.status !== 200) throw new Error(`revoke key ${accessKeyId}: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** The controller's poll interval as the launcher configures it (config/local-cluster.yaml: pollIntervalMs). */
  get pollIntervalMs(): number {
    return 1_000;
  }
}
