import { createServer } from 'node:net';
import type { ClusterPlan, PlannedProcess } from './cluster-plan';
import { agentSettings, controllerSettings } from './cluster-plan';
import { ensureAdminS3Key, s3Accepts, type S3Key } from './admin-s3-key';
import { ClusterProbe } from './cluster-probe';
import type { LocalClusterConfig } from './config/local-cluster-config';
import type { DataDir } from './data-dir';
import { LaunchError } from './launch.error';
import { ManagedProcess, type SpawnOptions } from './managed-process';
import { ProcessSupervisor } from './process-supervisor';
import { sleep, stopPid } from './processes';
import type { ReadyReport } from './ready-report';

/** Compiled entry points of the two apps. */
export interface AppScripts {
  controller: string;
  agent: string;
}

const PROBE_INTERVAL_MS = 250;

/**
 * Starts the controller, then the agents (each its own process), waits until
 * the cluster is ready, and stops everything in order: agents first (they
 * deregister), then the controller.
 */
export class LocalCluster {
  private controller?: ManagedProcess;
  private readonly agents: ManagedProcess[] = [];
  private readonly supervisors: ProcessSupervisor<ManagedProcess>[] = [];
  private readonly interrupted = new AbortController();
  private stopping?: Promise<void>;
  private requestStop!: () => void;
  /** Resolves when stop() is first called (a signal, or a failed start). */
  readonly stopRequested = new Promise<void>((resolve) => (this.requestStop = resolve));
  /** Set once the admin login was refused (password changed through the API). */
  passwordRefused = false;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly plan: ClusterPlan,
    private readonly config: LocalClusterConfig,
    private readonly dataDir: DataDir,
    private readonly scripts: AppScripts,
    private readonly log: (line: string) => void,
  ) {}

  /** Every process started so far, agents first. */
  get processes(): ManagedProcess[] {
    return this.controller ? [...this.agents, this.controller] : [...this.agents];
  }

  /**
   * @throws LaunchError when a port is taken, a process dies during start
   *   (with the end of its log), or the cluster is not ready in time.
   */
  async start(admin: { username: string; password: string }): Promise<ReadyReport> {
    await this.checkPorts();
    const joinToken = this.dataDir.joinToken();
    const plan = this.plan;
    this.dataDir.writeConfig(plan.controller.configFile, controllerSettings(plan, joinToken, this.config.controller));
    for (const agent of plan.agents) this.dataDir.writeConfig(agent.configFile, agentSettings(plan, agent, joinToken, this.config.agent));

    const deadline = Date.now() + plan.readyTimeoutMs;
    const probe = new ClusterProbe(plan, admin);
    this.log(`starting the controller on ${plan.controller.url}`);
    this.controller = this.spawn(plan.controller, this.scripts.controller);
    await this.until(deadline, 'the controller to answer', async () => ((await probe.controllerUp()) ? [] : ['controller']));

    for (const agent of plan.agents) {
      this.log(`starting ${agent.name} (region ${agent.region}) on ${agent.url}`);
      this.agents.push(this.spawn(agent, this.scripts.agent));
    }
    let said = '';
    await this.until(deadline, 'the cluster to be ready', async () => {
      const readiness = await probe.check();
      const waiting = readiness.waitingFor.join(', ');
      if (waiting && waiting !== said) this.log(`waiting for: ${waiting}`);
      said = waiting;
      return readiness.waitingFor;
    });
    this.passwordRefused = probe.loginRefused;
    const s3Key = await this.adminS3Key(admin, deadline);
    return {
      controllerUrl: plan.controller.url,
      docsUrl: `${plan.controller.url}/docs`,
      agents: plan.agents.map((a, i) => ({ name: a.name, url: a.url, ...(a.s3 ? { s3Url: a.s3.url } : {}), region: a.region, pid: this.agents[i].pid })),
      controllerPid: this.controller.pid,
      admin,
      ...(s3Key ? { adminS3Key: s3Key } : {}),
    };
  }

  /**
   * With S3 on: the admin's access key (made on the first start), once every
   * agent takes it, so the banner's `aws` line works at once.
   */
  private async adminS3Key(admin: { username: string; password: string }, deadline: number): Promise<S3Key | undefined> {
    const withS3 = this.plan.agents.filter((a) => a.s3);
    if (withS3.length === 0 || this.passwordRefused) return undefined;
    const key = await ensureAdminS3Key(this.plan, admin, this.log);
    if (!key) return undefined;
    await this.until(deadline, "every agent's S3 to take the admin's key", async () => {
      const accepted = await Promise.all(withS3.map((a) => s3Accepts(a.s3!.url, key)));
      return withS3.filter((_, i) => !accepted[i]).map((a) => `${a.name} S3`);
    });
    return key;
  }

  /**
   * Once the cluster is ready: watches every process and restarts one that
   * dies unexpectedly, with back-off (`restart` false: only reports it).
   * @returns resolves when every process is down for good (none restarts).
   */
  supervise(restart: boolean): Promise<void> {
    const watched: { planned: PlannedProcess; script: string; process: ManagedProcess; slot: (p: ManagedProcess) => void }[] = [
      ...this.plan.agents.map((planned, i) => ({ planned, script: this.scripts.agent, process: this.agents[i], slot: (p: ManagedProcess) => (this.agents[i] = p) })),
    ];
    if (this.controller) watched.push({ planned: this.plan.controller, script: this.scripts.controller, process: this.controller, slot: (p) => (this.controller = p) });
    for (const w of watched) {
      this.supervisors.push(
        new ProcessSupervisor(w.process, {
          respawn: () => ManagedProcess.spawn(w.planned.name, w.script, this.spawnOptions(w.planned)),
          replaced: (p) => {
            w.slot(p);
            this.saveState();
          },
          log: this.log,
          restart,
        }),
      );
    }
    return Promise.all(this.supervisors.map((s) => s.gaveUp)).then(() => undefined);
  }

  /** Makes a pending start() give up (Ctrl-C during start). */
  interrupt(): void {
    this.interrupted.abort();
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /**
   * Agents first, one at a time (each deregisters: one controller round trip,
   * so they do not race each other), then the controller. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // First, synchronously: no restart may start once stopping began.
      for (const supervisor of this.supervisors) supervisor.stop();
      this.requestStop();
      this.interrupt();
      const timeout = this.plan.stopTimeoutMs;
      const running = this.agents.filter((a) => a.running);
      if (running.length > 0) this.log(`stopping ${running.map((a) => a.name).join(', ')} (they leave the cluster)`);
      for (const agent of this.agents) await agent.stop(timeout);
      if (this.controller?.running) this.log('stopping the controller');
      await this.controller?.stop(timeout);
      this.dataDir.clearState();
    })();
    return this.stopping;
  }

  /** Second Ctrl-C: no more waiting. */
  kill(): void {
    for (const p of this.processes) p.kill();
  }

  private spawn(planned: PlannedProcess, script: string): ManagedProcess {
    const child = ManagedProcess.spawn(planned.name, script, this.spawnOptions(planned));
    this.saveState([child]);
    return child;
  }

  private spawnOptions(planned: PlannedProcess): SpawnOptions {
    return { configFile: planned.configFile, logFile: planned.logFile, cwd: this.plan.layout.root };
  }

  /** The PIDs a later launcher must stop if this one is killed (see takeOver). */
  private saveState(extra: ManagedProcess[] = []): void {
    this.dataDir.writeState({
      launcherPid: process.pid,
      startedAt: this.startedAt,
      processes: [...this.processes, ...extra].map((p) => ({ name: p.name, pid: p.pid })),
    });
  }

  /** Polls `missing` until it returns nothing; fails when a child dies, on timeout, or on interrupt. */
  private async until(deadline: number, what: string, missing: () => Promise<string[]>): Promise<void> {
    for (;;) {
      if (this.interrupted.signal.aborted) throw new LaunchError('interrupted while starting', 130);
      const dead = this.processes.find((p) => !p.running);
      if (dead) {
        throw new LaunchError(`${dead.name} (pid ${dead.pid}) ${dead.describeExit()} while the cluster was starting. The end of its log (${dead.logFile}):\n${indent(dead.tail())}`);
      }
      const left = await missing();
      if (left.length === 0) return;
      if (Date.now() > deadline) {
        const logs = this.processes.map((p) => `--- ${p.name} (${p.logFile}):\n${indent(p.tail(10))}`).join('\n');
        throw new LaunchError(`timed out after ${this.plan.readyTimeoutMs} ms waiting for ${what}; still missing: ${left.join(', ')}.\n${logs}`);
      }
      await sleep(PROBE_INTERVAL_MS, this.interrupted.signal);
    }
  }

  /**
   * Before anything else touches the data dir: refuses it while another
   * launcher runs there, and stops what a previous launcher left running
   * (it was killed, so it could not stop its children).
   * @throws LaunchError when another launcher runs on this data dir.
   */
  async takeOver(): Promise<void> {
    const leftovers = this.dataDir.leftovers();
    if (leftovers.length === 0) return;
    this.log(`stopping processes a previous launcher left running: ${leftovers.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);
    const agents = leftovers.filter((p) => p.name !== 'controller');
    await Promise.all(agents.map((p) => stopPid(p.pid, this.plan.stopTimeoutMs)));
    for (const p of leftovers.filter((x) => x.name === 'controller')) await stopPid(p.pid, this.plan.stopTimeoutMs);
  }

  private async checkPorts(): Promise<void> {
    const ports = [this.plan.controller, ...this.plan.agents].map((p) => ({ name: p.name, port: p.port }));
    for (const agent of this.plan.agents) if (agent.s3) ports.push({ name: `${agent.name} S3`, port: agent.s3.port });
    for (const p of ports) {
      if (p.port > 65535) throw new LaunchError(`port ${p.port} (${p.name}) is above 65535: pick a lower --base-port.`, 2);
      if (!(await portFree(this.plan.host, p.port))) {
        throw new LaunchError(`port ${p.port} (${p.name}) on ${this.plan.host} is in use: stop what uses it, or pick other ports with --base-port N.`);
      }
    }
  }
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
