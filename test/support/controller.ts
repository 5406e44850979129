import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { http } from './http';
import { freePort } from './ports';
import { NodeProcess } from './process';
import { builtScript } from './paths';
import { waitForHttp } from './wait';

export const TEST_JOIN_TOKEN = 'e2e-join-token-0123456789';
export const TEST_ADMIN = { username: 'admin', password: 'admin-password-e2e' } as const;

export interface ControllerOptions {
  /** Private directory: config file, sqlite file, log. */
  dir: string;
  /** Default: a free port. */
  port?: number;
  /** Default: sqlite at <dir>/controller.sqlite. */
  database?: { type: 'sqlite'; path?: string } | { type: 'postgres'; url: string };
  /**
   * Any other controller config keys (see config/controller.yaml); merged
   * over test-friendly defaults: polls every 250 ms, 2 misses, partition
   * power 8, 3 expected services.
   */
  settings?: Record<string, unknown>;
}

/**
 * The built controller (dist/apps/controller/src/main.js) as a child process
 * with its own config file in `dir`, on 127.0.0.1 and a free port.
 */
export class ControllerProcess {
  private proc?: NodeProcess;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly configFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  static async start(options: ControllerOptions): Promise<ControllerProcess> {
    const port = options.port ?? (await freePort());
    const database = options.database ?? { type: 'sqlite' as const };
    const config = {
      host: '127.0.0.1',
      port,
      database: database.type === 'sqlite' ? { type: 'sqlite', path: database.path ?? join(options.dir, 'controller.sqlite') } : database,
      expectedServices: 3,
      autoRebalance: true,
      partitionPower: 8,
      pollIntervalMs: 250,
      pollTimeoutMs: 500,
      missThreshold: 2,
      pushTimeoutMs: 2000,
      joinToken: TEST_JOIN_TOKEN,
      bootstrapAdmin: { ...TEST_ADMIN },
      logLevel: 'debug',
      ...options.settings,
    };
    const configFile = join(options.dir, 'controller.yaml');
    writeFileSync(configFile, stringify(config));
    const controller = new ControllerProcess(options.dir, port, configFile);
    await controller.launch();
    return controller;
  }

  /** Starts the process again with the same config (after stop()). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.proc?.stop(10_000);
  }

  output(): string {
    return this.proc?.output() ?? '';
  }

  /** Logs in and returns the bearer token. */
  async login(username: string = TEST_ADMIN.username, password: string = TEST_ADMIN.password): Promise<string> {
    const result = await http<{ token: string }>('POST', `${this.url}/v1/auth/login`, { body: { username, password } });
    if (result.status !== 200) throw new Error(`login as ${username} failed: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body.token;
  }

  private async launch(): Promise<void> {
    const proc = NodeProcess.start(builtScript('apps/controller/src/main.js'), {
      name: 'controller',
      cwd: this.dir,
      env: { MCOS_CONFIG: this.configFile },
      logFile: join(this.dir, 'controller.log'),
    });
    this.proc = proc;
    try {
      await waitForHttp(`${this.url}/health`, {
        timeoutMs: 30_000,
        abortIf: () => (proc.running ? undefined : `controller exited with ${proc.code}:\n${proc.output()}`),
      });
    } catch (error) {
      await proc.stop();
      throw error;
    }
  }
}
