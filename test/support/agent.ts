import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ClusterMap } from '@mcos/common';
import { http } from './http';
import { freePort } from './ports';
import { NodeProcess } from './process';
import { builtScript } from './paths';
import { TEST_JOIN_TOKEN } from './controller';
import { waitFor, waitForHttp } from './wait';

export interface AgentOptions {
  name: string;
  region: string;
  controllerUrl: string;
  /** Private directory: config, data dir (map, credential, index), fs objects, log. */
  dir: string;
  port?: number;
  /** Backend settings (default: fs under <dir>/data/objects). */
  backend?: Record<string, unknown>;
  settings?: Record<string, unknown>;
}

/**
 * The built agent (dist/apps/agent/src/main.js) as a child process with its
 * own config file and data dir, on 127.0.0.1 and a free port.
 */
export class AgentProcess {
  private proc?: NodeProcess;

  private constructor(
    readonly name: string,
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

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** Root of the fs backend (when the agent uses one). */
  get fsRoot(): string {
    return join(this.dataDir, 'objects');
  }

  static async start(options: AgentOptions): Promise<AgentProcess> {
    mkdirSync(options.dir, { recursive: true });
    const port = options.port ?? (await freePort());
    const config = {
      name: options.name,
      region: options.region,
      host: '127.0.0.1',
      port,
      controllerUrl: options.controllerUrl,
      joinToken: TEST_JOIN_TOKEN,
      dataDir: join(options.dir, 'data'),
      backend: options.backend ?? { type: 'fs' },
      requestTimeoutMs: 5000,
      peerProbeIntervalMs: 500,
      registerRetryMs: 300,
      logLevel: 'info',
      ...options.settings,
    };
    const configFile = join(options.dir, 'agent.yaml');
    writeFileSync(configFile, stringify(config));
    const agent = new AgentProcess(options.name, options.dir, port, configFile);
    await agent.launch();
    return agent;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Clean stop (SIGTERM: the agent deregisters), SIGKILL after the timeout. */
  async stop(): Promise<void> {
    await this.proc?.stop(10_000);
  }

  /** SIGKILL: no deregistration, no cleanup (a crash). */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc?.running) return;
    process.kill(proc.pid, 'SIGKILL');
    await proc.waitForExit(10_000);
  }

  /** Starts the process again after stop() or kill(), same config and data. */
  async start(): Promise<void> {
    await this.launch();
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  output(): string {
    return this.proc?.output() ?? '';
  }

  /** The cluster map the agent persisted. */
  persistedMap(): ClusterMap {
    return JSON.parse(readFileSync(join(this.dataDir, 'cluster-map.json'), 'utf8')) as ClusterMap;
  }

  /** Waits until the user API is open (the agent holds a ring): any answer but 503. */
  async waitUntilServing(timeoutMs = 30_000): Promise<void> {
    await waitFor(async () => (await http('GET', `${this.url}/v1/containers`)).status !== 503, {
      timeoutMs,
      description: `agent ${this.name} serving`,
      abortIf: () => (this.proc?.running ? undefined : `agent ${this.name} exited:\n${this.output()}`),
    });
  }

  private async launch(): Promise<void> {
    const proc = NodeProcess.start(builtScript('apps/agent/src/main.js'), {
      name: `agent ${this.name}`,
      cwd: this.dir,
      env: { MCOS_CONFIG: this.configFile },
      logFile: join(this.dir, 'agent.log'),
    });
    this.proc = proc;
    try {
      await waitForHttp(`${this.url}/v1/peer/ping`, {
        timeoutMs: 30_000,
        abortIf: () => (proc.running ? undefined : `agent ${this.name} exited with ${proc.code}:\n${proc.output()}`),
      });
    } catch (error) {
      await proc.stop();
      throw error;
    }
  }
}
