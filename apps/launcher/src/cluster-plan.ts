import { join, resolve } from 'node:path';
import type { LocalAgentConfig, LocalClusterConfig } from './config/local-cluster-config';
import type { LaunchOptions } from './launch-options';

/** Where the launcher keeps things inside the data dir. */
export interface DataLayout {
  root: string;
  controllerDatabase: string;
  adminPasswordFile: string;
  /** The admin's S3 access key made by the launcher (id and secret, mode 0600). */
  adminS3KeyFile: string;
  joinTokenFile: string;
  /** Generated configs (they hold the join token: mode 0600). */
  configDir: string;
  logDir: string;
  /** PIDs of the running launcher and its children. */
  stateFile: string;
  /** Says the directory is an MCOS local-cluster data dir (so --fresh may delete it). */
  markerFile: string;
  agentDir(name: string): string;
}

export interface PlannedProcess {
  name: string;
  port: number;
  url: string;
  configFile: string;
  logFile: string;
}

export interface PlannedAgent extends PlannedProcess {
  region: string;
  dataDir: string;
  /** Its S3 listener (absent when S3 is off). */
  s3?: { port: number; url: string };
}

export interface ClusterPlan {
  host: string;
  layout: DataLayout;
  controller: PlannedProcess;
  agents: PlannedAgent[];
  adminUsername: string;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
}

export function dataLayout(root: string): DataLayout {
  return {
    root,
    controllerDatabase: join(root, 'controller.sqlite'),
    adminPasswordFile: join(root, 'admin-password'),
    adminS3KeyFile: join(root, 'admin-s3-key'),
    joinTokenFile: join(root, 'join-token'),
    configDir: join(root, 'config'),
    logDir: join(root, 'logs'),
    stateFile: join(root, 'launcher.json'),
    markerFile: join(root, '.mcos-local-cluster'),
    agentDir: (name) => join(root, 'agents', name),
  };
}

/**
 * The cluster to run: config file values, overridden by the command line.
 * Pure: no I/O; `cwd` resolves a relative data dir.
 */
export function planCluster(config: LocalClusterConfig, options: LaunchOptions, cwd: string): ClusterPlan {
  const root = resolve(cwd, options.dataDir ?? config.dataDir);
  const layout = dataLayout(root);
  const basePort = options.basePort ?? config.basePort;
  const host = config.host;
  const count = options.agents ?? config.agents.length;
  const url = (port: number) => `http://${urlHost(host)}:${port}`;
  const controller: PlannedProcess = {
    name: 'controller',
    port: basePort,
    url: url(basePort),
    configFile: join(layout.configDir, 'controller.yaml'),
    logFile: join(layout.logDir, 'controller.log'),
  };
  const agents = agentsOf(config.agents, count).map((agent, i): PlannedAgent => {
    const port = basePort + 1 + i;
    const s3Port = basePort + config.s3PortOffset + 1 + i;
    return {
      name: agent.name,
      region: agent.region,
      port,
      url: url(port),
      ...(config.s3PortOffset > 0 ? { s3: { port: s3Port, url: url(s3Port) } } : {}),
      dataDir: layout.agentDir(agent.name),
      configFile: join(layout.configDir, `${agent.name}.yaml`),
      logFile: join(layout.logDir, `${agent.name}.log`),
    };
  });
  return {
    host,
    layout,
    controller,
    agents,
    adminUsername: config.adminUsername,
    readyTimeoutMs: config.readyTimeoutMs,
    stopTimeoutMs: config.stopTimeoutMs,
  };
}

/**
 * The first `count` configured agents; when more are asked for, the list goes
 * on with the same pattern (agent-d in local-d, ...).
 */
export function agentsOf(configured: LocalAgentConfig[], count: number): LocalAgentConfig[] {
  const agents = configured.slice(0, count);
  const names = new Set(agents.map((a) => a.name));
  for (let i = agents.length; agents.length < count; i++) {
    const suffix = i < 26 ? String.fromCharCode(97 + i) : String(i + 1);
    const name = `agent-${suffix}`;
    if (names.has(name)) continue;
    names.add(name);
    agents.push({ name, region: `local-${suffix}` });
  }
  return agents;
}

/** The controller's configuration file for this plan (MCOS_CONFIG of the child). */
export function controllerSettings(plan: ClusterPlan, joinToken: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    host: plan.host,
    port: plan.controller.port,
    database: { type: 'sqlite', path: plan.layout.controllerDatabase },
    expectedServices: plan.agents.length,
    joinToken,
    bootstrapAdmin: { username: plan.adminUsername, passwordFile: plan.layout.adminPasswordFile },
    ...extra,
  };
}

/** One agent's configuration file (MCOS_CONFIG of the child): an fs backend under its own dir, S3 on its S3 port. */
export function agentSettings(plan: ClusterPlan, agent: PlannedAgent, joinToken: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    name: agent.name,
    region: agent.region,
    host: plan.host,
    port: agent.port,
    controllerUrl: plan.controller.url,
    joinToken,
    dataDir: agent.dataDir,
    backend: { type: 'fs', root: join(agent.dataDir, 'objects') },
    ...(agent.s3 ? { s3: { host: plan.host, port: agent.s3.port } } : {}),
    ...extra,
  };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
