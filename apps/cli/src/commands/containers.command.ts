import { Command, InvalidArgumentError } from 'commander';
import type { ContainerListPage, ContainerView, ObjectListEntry, ObjectListPage } from '@mcos/common';
import { agentClient, CliContext, Output } from '../cli-context';
import { ApiError, CliError, ExitCode } from '../errors/cli.error';
import { ApiClient, containerPath } from '../http/api.client';
import { parseListTarget } from '../object-target';
import { formatBytes, formatDate, formatTable } from '../output/format';

type OutputFor = (command: Command) => Output;

const PAGE = 1000;

export function registerContainerCommands(program: Command, context: CliContext, outputFor: OutputFor): void {
  program
    .command('ls')
    .description('list your containers, or the objects of one (folders first, as "DIR name/")')
    .argument('[container[/prefix]]', 'a container, optionally with a name prefix')
    .option('-r, --recursive', 'every object under the prefix, no folders')
    .option('--limit <n>', 'stop after N entries', positiveInteger)
    .action(async (target: string | undefined, options: { recursive?: boolean; limit?: number }, command: Command) => {
      const out = outputFor(command);
      const client = agentClient(context);
      if (target === undefined) await listContainers(client, out, options.limit);
      else await listObjects(client, out, target, options);
    });

  program
    .command('mb')
    .description('make a container (its storage option is fixed for its life)')
    .argument('<container>', 'the new container')
    .option('--option <name>', 'storage option (mcos admin options lists them); default: the cluster default')
    .action(async (container: string, options: { option?: string }, command: Command) => {
      if (container.includes('/')) throw new CliError(`container names cannot contain "/": "${container}"`, ExitCode.usage);
      const answer = await agentClient(context).json<ContainerView>('PUT', containerPath(container), options.option ? { option: options.option } : {});
      const info = answer.body;
      outputFor(command).result({ ...info, created: answer.status === 201 }, () =>
        answer.status === 201 ? `Created container ${info.name} (option ${info.option}).\n` : `Container ${info.name} already exists (option ${info.option}).\n`,
      );
    });

  program
    .command('rb')
    .description('remove an empty container')
    .argument('<container>', 'the container')
    .action(async (container: string, _options: unknown, command: Command) => {
      try {
        await agentClient(context).json('DELETE', containerPath(container));
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) {
          throw new CliError(error.message, ExitCode.usage, `remove its objects first: mcos ls -r ${container}, then mcos rm ${container}/<name>`);
        }
        throw error;
      }
      outputFor(command).result({ removed: container }, () => `Removed container ${container}.\n`);
    });
}

async function listContainers(client: ApiClient, out: Output, limit?: number): Promise<void> {
  const containers: ContainerView[] = [];
  let complete = true;
  let marker: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (marker) query.set('marker', marker);
    const page = (await client.json<ContainerListPage>('GET', `/v1/containers?${query}`)).body;
    containers.push(...page.containers);
    complete &&= page.complete;
    if (!page.truncated || page.containers.length === 0 || (limit && containers.length >= limit)) break;
    marker = page.containers[page.containers.length - 1].name;
  }
  const shown = limit ? containers.slice(0, limit) : containers;
  if (!complete) out.note('warning: too few agents answered; this listing may be incomplete');
  out.result({ containers: shown, complete }, () =>
    shown.length === 0 ? 'No containers yet: mcos mb <container> makes one.\n' : formatTable(['NAME', 'OPTION', 'CREATED'], shown.map((c) => [c.name, c.option, formatDate(c.createdAt)])),
  );
}

async function listObjects(client: ApiClient, out: Output, target: string, options: { recursive?: boolean; limit?: number }): Promise<void> {
  const { container, prefix } = parseListTarget(target);
  const objects: ObjectListEntry[] = [];
  const subdirs: string[] = [];
  let complete = true;
  let marker: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (prefix) query.set('prefix', prefix);
    if (!options.recursive) query.set('delimiter', '/');
    if (marker) query.set('marker', marker);
    const page = (await client.json<ObjectListPage>('GET', `${containerPath(container)}/objects?${query}`)).body;
    objects.push(...page.objects);
    subdirs.push(...page.subdirs);
    complete &&= page.complete;
    if (!page.truncated || !page.nextMarker || (options.limit && objects.length + subdirs.length >= options.limit)) break;
    marker = page.nextMarker;
  }
  const shownDirs = options.limit ? subdirs.slice(0, options.limit) : subdirs;
  const shownObjects = options.limit ? objects.slice(0, Math.max(0, options.limit - shownDirs.length)) : objects;
  if (!complete) out.note('warning: too few agents answered; this listing may be incomplete');
  out.result({ container, prefix: prefix ?? '', subdirs: shownDirs, objects: shownObjects, complete }, () => {
    if (shownDirs.length + shownObjects.length === 0) return `Nothing in ${container}${prefix ? ` under "${prefix}"` : ''}.\n`;
    const rows = [
      ...shownDirs.map((d) => ['', 'DIR', d]),
      ...shownObjects.map((o) => [formatDate(o.lastModified), formatBytes(o.size), o.name]),
    ];
    return formatTable(undefined, rows, [1]);
  });
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}
