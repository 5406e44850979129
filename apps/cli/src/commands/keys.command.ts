import { Command } from 'commander';
import type { AccessKeyView, CreatedAccessKey } from '@mcos/common';
import { agentClient, CliContext, Output } from '../cli-context';
import { formatDate, formatTable } from '../output/format';

type OutputFor = (command: Command) => Output;

/** `mcos keys ...`: your own S3 access keys, through the agent you logged in at. */
export function registerKeyCommands(program: Command, context: CliContext, outputFor: OutputFor): void {
  const keys = program.command('keys').description('your S3 access keys: create, ls, rm');
  keys
    .command('create')
    .description('make an S3 access key (its secret is shown this once)')
    .action(async (_options: unknown, command: Command) => {
      const created = (await agentClient(context).json<CreatedAccessKey>('POST', '/v1/keys')).body;
      printCreated(outputFor(command), created);
    });
  keys
    .command('ls')
    .description('your access keys (id, created, last used)')
    .action(async (_options: unknown, command: Command) => {
      printKeys(outputFor(command), (await agentClient(context).json<AccessKeyView[]>('GET', '/v1/keys')).body);
    });
  keys
    .command('rm')
    .description('revoke one of your access keys (refused at every agent within one poll interval)')
    .argument('<id>', 'the access key id')
    .action(async (id: string, _options: unknown, command: Command) => {
      await agentClient(context).json('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
      printRevoked(outputFor(command), id);
    });
}

/** The secret goes to stdout (it is the result); the warning to stderr, so `--json` output stays one document. */
export function printCreated(out: Output, created: CreatedAccessKey): void {
  out.note('warning: the secret access key is shown this once and never again; keep it now.');
  out.result(created, () => `Access key id:     ${created.accessKeyId}\nSecret access key: ${created.secretAccessKey}\n`);
}

export function printKeys(out: Output, keys: AccessKeyView[]): void {
  out.result(keys, () =>
    keys.length === 0
      ? 'No access keys yet: mcos keys create makes one.\n'
      : formatTable(['ACCESS KEY ID', 'CREATED', 'LAST USED'], keys.map((k) => [k.accessKeyId, formatDate(k.createdAt), k.lastUsedAt ? formatDate(k.lastUsedAt) : 'never'])),
  );
}

export function printRevoked(out: Output, id: string): void {
  out.result({ revoked: id }, () => `Revoked access key ${id}.\n`);
}
