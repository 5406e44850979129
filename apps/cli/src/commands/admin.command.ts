import { Command, Option } from 'commander';
import type { AccessKeyView, CreatedAccessKey, CreateUserRequest, OptionRingView, OptionView, RebuildResult, ServiceView, UserRole, UserView } from '@mcos/common';
import { CliContext, controllerClient, Output } from '../cli-context';
import { CliError, ExitCode } from '../errors/cli.error';
import { formatBytes, formatDate, formatTable } from '../output/format';
import { ask } from '../prompt';
import { printCreated, printKeys, printRevoked } from './keys.command';

type OutputFor = (command: Command) => Output;

/**
 * `mcos admin ...`: the controller's admin API. The controller URL comes
 * from `--controller`, MCOS_CONTROLLER_URL, `mcos login --controller`, or
 * the controllers the agent named when an admin logged in.
 */
export function registerAdminCommands(program: Command, context: CliContext, outputFor: OutputFor): void {
  const admin = program
    .command('admin')
    .description('cluster administration at the controller (needs an admin login)')
    .addOption(new Option('--controller <url>', 'the controller (default: $MCOS_CONTROLLER_URL, else the one given at login, else the first answering one the agent named)'));
  /** One JSON call to the controller; its answer's body. */
  const call = async <T>(command: Command, method: string, path: string, body?: unknown): Promise<T> => {
    const client = await controllerClient(context, (command.optsWithGlobals() as { controller?: string }).controller);
    return (await client.json<T>(method, path, body)).body;
  };

  admin
    .command('services')
    .description('the cloud services: region, status, capacity, speed, ring versions, repair progress')
    .action(async (_options: unknown, command: Command) => {
      const services = await call<ServiceView[]>(command, 'GET', '/v1/services');
      outputFor(command).result(services, () =>
        formatTable(
          ['NAME', 'REGION', 'STATUS', 'CAPACITY', 'SPEED', 'RINGS', 'REPAIR'],
          services.map((s) => [s.name, s.region, s.status, capacityOf(s), speedOf(s), ringsOf(s.ringVersions), progressOf(s)]),
        ),
      );
    });

  admin
    .command('options')
    .description('the storage options: replicas R, write quorum W, read quorum Rq, placement, ring')
    .action(async (_options: unknown, command: Command) => {
      const options = await call<OptionView[]>(command, 'GET', '/v1/options');
      outputFor(command).result(options, () =>
        formatTable(
          ['NAME', 'R', 'W', 'RQ', 'READ-YOUR-WRITES', 'PLACEMENT', 'RING', 'CONTAINERS'],
          options.map((o) => [
            o.name,
            String(o.replicas),
            String(o.writeQuorum),
            String(o.readQuorum),
            o.readYourWrites ? 'yes' : 'no',
            placementOf(o.placement),
            o.ringVersion === undefined ? '-' : `v${o.ringVersion}`,
            o.containers === undefined ? '-' : String(o.containers),
          ]),
        ),
      );
    });

  admin
    .command('rings')
    .description('every ring (or one option\'s ring with its per-service distribution)')
    .argument('[option]', 'one option')
    .action(async (option: string | undefined, _options: unknown, command: Command) => {
      if (option === undefined) {
        const rings = await call<OptionRingView[]>(command, 'GET', '/v1/rings');
        outputFor(command).result(rings, () =>
          formatTable(
            ['OPTION', 'R', 'VERSION', 'PARTITIONS', 'BALANCE', 'DISPERSION', 'NOTE'],
            rings.map((r) => [
              r.option,
              String(r.replicas),
              r.ring ? `v${r.ring.version}` : '-',
              r.ring ? String(r.ring.partitions) : '-',
              r.ring ? `${r.ring.balancePercent}%` : '-',
              r.ring ? `${r.ring.dispersionPercent}%` : '-',
              r.reason ?? (r.pendingRebalance ? 'rebalance pending' : ''),
            ]),
          ),
        );
        return;
      }
      const ring = await call<OptionRingView>(command, 'GET', `/v1/rings/${encodeURIComponent(option)}`);
      outputFor(command).result(ring, () => formatRing(ring));
    });

  const users = admin.command('users').description('user accounts: ls, add, rm');
  users
    .command('ls')
    .description('every user')
    .action(async (_options: unknown, command: Command) => {
      const list = await call<UserView[]>(command, 'GET', '/v1/users');
      outputFor(command).result(list, () => formatTable(['USERNAME', 'ROLE', 'CREATED'], list.map((u) => [u.username, u.role, formatDate(u.createdAt)])));
    });
  users
    .command('add')
    .description('create a user')
    .argument('<username>', '1-63 of A-Z a-z 0-9 . _ -')
    .option('-p, --password <password>', 'at least 8 characters; else $MCOS_NEW_PASSWORD, or asked for')
    .addOption(new Option('--role <role>', "the new account's role").choices(['user', 'admin']).default('user'))
    .action(async (username: string, options: { password?: string; role: UserRole }, command: Command) => {
      const password = options.password ?? context.env.MCOS_NEW_PASSWORD ?? (await ask(context, `Password for ${username}: `, '--password', true));
      if (password.length < 8) throw new CliError('the password must have at least 8 characters', ExitCode.usage);
      const request: CreateUserRequest = { username, password, role: options.role };
      const user = await call<UserView>(command, 'POST', '/v1/users', request);
      outputFor(command).result(user, () => `Created user ${user.username} (role ${user.role}).\n`);
    });
  users
    .command('rm')
    .description('delete a user (not the last admin)')
    .argument('<username>', 'the user')
    .action(async (username: string, _options: unknown, command: Command) => {
      await call(command, 'DELETE', `/v1/users/${encodeURIComponent(username)}`);
      outputFor(command).result({ removed: username }, () => `Removed user ${username}.\n`);
    });

  const keys = admin.command('keys').description("a user's S3 access keys: create, ls, rm");
  const keysPath = (username: string) => `/v1/users/${encodeURIComponent(username)}/keys`;
  keys
    .command('create')
    .description('make an S3 access key for a user (its secret is shown this once)')
    .argument('<username>', 'the user')
    .action(async (username: string, _options: unknown, command: Command) => {
      printCreated(outputFor(command), await call<CreatedAccessKey>(command, 'POST', keysPath(username)));
    });
  keys
    .command('ls')
    .description("a user's access keys (id, created, last used)")
    .argument('<username>', 'the user')
    .action(async (username: string, _options: unknown, command: Command) => {
      printKeys(outputFor(command), await call<AccessKeyView[]>(command, 'GET', keysPath(username)));
    });
  keys
    .command('rm')
    .description("revoke a user's access key")
    .argument('<username>', 'the user')
    .argument('<id>', 'the access key id')
    .action(async (username: string, id: string, _options: unknown, command: Command) => {
      await call(command, 'DELETE', `${keysPath(username)}/${encodeURIComponent(id)}`);
      printRevoked(outputFor(command), id);
    });

  admin
    .command('rebalance')
    .description('build or rebalance every ring that would change now')
    .option('--dry-run', 'only say what would move')
    .action(async (options: { dryRun?: boolean }, command: Command) => {
      const result = await call<RebuildResult>(command, 'POST', `/v1/rings/rebuild${options.dryRun ? '?dryRun=true' : ''}`);
      outputFor(command).result(result, () =>
        [
          result.dryRun ? `Dry run (cluster map v${result.clusterMapVersion}, nothing changed):` : `Cluster map v${result.clusterMapVersion}:`,
          formatTable(
            ['OPTION', 'ACTION', 'VERSION', 'MOVED', 'MINIMUM', 'REMAINING', 'BYTES', 'NOTE'],
            result.options.map((o) => [
              o.option,
              o.action,
              o.newVersion !== undefined && o.newVersion !== o.currentVersion ? `v${o.currentVersion ?? '-'} -> v${o.newVersion}` : o.currentVersion === undefined ? '-' : `v${o.currentVersion}`,
              String(o.moved),
              String(o.minimumMoves),
              String(o.remainingMoves),
              formatBytes(o.estimatedBytesToMove),
              o.reason ?? '',
            ]),
          ),
        ].join('\n'),
      );
    });
}

function capacityOf(s: ServiceView): string {
  const { usedBytes, totalBytes } = s.capacity;
  if (totalBytes === undefined) return usedBytes === undefined ? '-' : `${formatBytes(usedBytes)} used`;
  return usedBytes === undefined ? formatBytes(totalBytes) : `${formatBytes(usedBytes)} / ${formatBytes(totalBytes)}`;
}

function speedOf(s: ServiceView): string {
  const { writeMBps, readMBps } = s.speed;
  if (writeMBps === undefined && readMBps === undefined) return '-';
  const mbps = (v?: number) => (v === undefined ? '-' : String(Math.round(v)));
  return `w ${mbps(writeMBps)} / r ${mbps(readMBps)} MB/s`;
}

/** "v4" when every option's ring has one version, else "standard v4, single v2". */
function ringsOf(versions: Record<string, number>): string {
  const entries = Object.entries(versions);
  if (entries.length === 0) return '-';
  const distinct = new Set(entries.map(([, v]) => v));
  return distinct.size === 1 ? `v${entries[0][1]}` : entries.map(([o, v]) => `${o} v${v}`).join(', ');
}

function progressOf(s: ServiceView): string {
  const p = s.progress;
  if (!p) return '-';
  const remaining = Object.values(p.remainingByOption ?? {}).reduce((a, b) => a + b, 0);
  const parts = [`${remaining} to move`];
  if (p.failures > 0) parts.push(`${p.failures} failed`);
  if (p.oldestUnreplicatedMs > 0) parts.push(`lag ${Math.round(p.oldestUnreplicatedMs / 1000)} s`);
  return parts.join(', ');
}

function placementOf(placement: OptionView['placement']): string {
  if (!placement) return 'any';
  const parts: string[] = [];
  if (placement.regions?.length) parts.push(`regions ${placement.regions.join(',')}`);
  if (placement.services?.length) parts.push(`services ${placement.services.join(',')}`);
  return parts.join('; ') || 'any';
}

function formatRing(view: OptionRingView): string {
  if (!view.ring) return `${view.option}: no ring${view.reason ? ` (${view.reason})` : ''}.\n`;
  const r = view.ring;
  return [
    `${view.option}: ring v${r.version} of ${formatDate(r.createdAt)}, ${view.replicas} replicas, ${r.partitions} partitions (power ${r.partitionPower})`,
    `balance ${r.balancePercent}%, dispersion ${r.dispersionPercent}%${view.pendingRebalance ? `; rebalance pending: ${view.reason ?? ''}` : ''}`,
    '',
    formatTable(
      ['SERVICE', 'REGION', 'WEIGHT', 'PARTITION-REPLICAS', 'DESIRED', 'BALANCE'],
      r.services.map((s) => [s.name, s.region, String(s.weight), String(s.partitionReplicas), String(Math.round(s.desired)), `${s.balancePercent}%`]),
      [2, 3, 4, 5],
    ),
  ].join('\n');
}
