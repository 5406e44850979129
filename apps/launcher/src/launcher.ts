import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '@mcos/common';
import { planCluster } from './cluster-plan';
import { LocalClusterConfig } from './config/local-cluster-config';
import { DataDir } from './data-dir';
import { LaunchError } from './launch.error';
import { LaunchUsageError, parseLaunchOptions } from './launch-options';
import { LocalCluster } from './local-cluster';
import { formatBanner, formatJsonLine } from './ready-report';

/** dist/apps/launcher/src -> the repository (or installed package) root. */
const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..', '..');
const APPS = resolve(__dirname, '..', '..');
/**
 * Under `npm start` one Ctrl-C arrives twice (from the terminal, and
 * forwarded by npm); a second signal this soon is the same keypress.
 */
const DUPLICATE_SIGNAL_MS = 1_000;

/**
 * `npm start`: runs a local cluster until Ctrl-C. Progress and errors go to
 * stderr; the ready banner (or, with --json, exactly one JSON line) to stdout.
 * @returns the process exit code.
 */
export async function runLauncher(argv: string[]): Promise<number> {
  const say = (line: string) => process.stderr.write(`mcos: ${line}\n`);
  let options;
  try {
    options = parseLaunchOptions(argv);
  } catch (error) {
    if (error instanceof LaunchUsageError) return error.exitCode;
    throw error;
  }
  let config: LocalClusterConfig;
  const configFile = resolve(options.configFile ?? resolve(PACKAGE_ROOT, 'config', 'local-cluster.yaml'));
  try {
    config = loadConfig(LocalClusterConfig, { env: {}, defaultFile: configFile });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    say(`${configFile}: ${error.message}`);
    return 2;
  }
  const plan = planCluster(config, options, process.cwd());
  const dataDir = new DataDir(plan.layout);
  const scripts = { controller: resolve(APPS, 'controller', 'src', 'main.js'), agent: resolve(APPS, 'agent', 'src', 'main.js') };
  const cluster = new LocalCluster(plan, config, dataDir, scripts, say);

  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      say(`${signal}: stopping the cluster (Ctrl-C again to kill it at once)`);
      void cluster.stop();
    } else if (Date.now() - firstSignalAt > DUPLICATE_SIGNAL_MS) {
      say('killing the cluster processes');
      cluster.kill();
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  let report;
  try {
    for (const script of Object.values(scripts)) {
      if (!existsSync(script)) throw new LaunchError(`${script} is missing: run "npm run build" first.`);
    }
    await cluster.takeOver();
    if (options.fresh) {
      say(`--fresh: deleting ${plan.layout.root}`);
      dataDir.wipe();
    }
    dataDir.prepare();
    const secret = dataDir.adminPassword();
    if (secret.created) say(`generated the admin password (kept in ${plan.layout.adminPasswordFile})`);
    const startedAt = Date.now();
    report = await cluster.start({ username: plan.adminUsername, password: secret.password });
    say(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  } catch (error) {
    const interrupted = cluster.isStopping;
    if (error instanceof LaunchError) say(error.message);
    else say(`failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cluster.stop();
    if (!interrupted && cluster.processes.length > 0) say('stopped everything it had started');
    return error instanceof LaunchError ? error.exitCode : 1;
  }

  if (options.json) {
    process.stdout.write(formatJsonLine(report));
  } else {
    process.stdout.write(
      formatBanner(report, {
        dataDir: plan.layout.root,
        adminPasswordFile: plan.layout.adminPasswordFile,
        adminS3KeyFile: plan.layout.adminS3KeyFile,
        logDir: plan.layout.logDir,
        passwordRefused: cluster.passwordRefused,
        cwd: process.cwd(),
      }),
    );
  }
  if (cluster.passwordRefused) say(`the controller refused the password in ${plan.layout.adminPasswordFile}: it was changed through the admin API`);
  return watch(cluster, options.restart, say);
}

/**
 * Runs until stopped (Ctrl-C). A process that dies unexpectedly is started
 * again with back-off unless --no-restart; when every process is down for
 * good, the launcher stops too.
 */
async function watch(cluster: LocalCluster, restart: boolean, say: (line: string) => void): Promise<number> {
  const outcome = await Promise.race([cluster.supervise(restart).then(() => 'dead' as const), cluster.stopRequested.then(() => 'stop' as const)]);
  if (outcome === 'dead' && !cluster.isStopping) {
    say('every cluster process has exited: stopping the launcher');
    await cluster.stop();
    return 1;
  }
  await cluster.stop();
  say('stopped');
  return 0;
}
