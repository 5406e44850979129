import type { Command } from 'commander';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStat, PutObjectAnswer } from '@mcos/common';
import { agentClient, CliContext, Output } from '../cli-context';
import { ApiError, CliError, ExitCode } from '../errors/cli.error';
import { ApiClient, objectPath } from '../http/api.client';
import { parseObjectTarget } from '../object-target';
import { formatBytes, formatDate, formatTable } from '../output/format';
import { TransferProgress } from '../output/transfer-progress';
import { MultipartApi } from '../transfer/multipart-api';
import { ObjectLayout, parallelGet, Verification } from '../transfer/parallel-get';
import { parallelPut, ParallelPutRequest, ParallelPutResult } from '../transfer/parallel-put';
import { parseParallel, parseSize } from '../transfer/sizes';

interface PutOptions {
  contentType?: string;
  meta?: string[];
  overwrite: boolean;
  multipartThreshold: string;
  partSize: string;
  parallel: string;
}

interface GetOptions {
  parallel?: string;
  partSize: string;
  parallelThreshold: string;
}

/** Files from this size go up in parallel parts (and come down in parallel ranges). */
const DEFAULT_THRESHOLD = '64MiB';
const DEFAULT_PART_SIZE = '16MiB';
const DEFAULT_PARALLEL = '4';
/** Ranges smaller than this cost more in requests than they gain. */
const MIN_RANGE = 64 * 1024;

type OutputFor = (command: Command) => Output;

const SERVED_BY_HEADER = 'x-mcos-served-by';
const READ_CHUNK = 1024 * 1024;

export function registerObjectCommands(program: Command, context: CliContext, outputFor: OutputFor): void {
  program
    .command('put')
    .description('upload a file (or stdin with "-") as an object; streamed, never read into memory')
    .argument('<file>', 'the file, or - for stdin')
    .argument('<target>', '<container>/<name>; for a file, <container> alone uses the file name')
    .option('--content-type <type>', 'default: from the file extension, else application/octet-stream')
    .option('--meta <key=value>', 'user metadata, repeatable (keys: a-z, 0-9, -)', collect)
    .option('--no-overwrite', 'fail if the object already exists')
    .option('--multipart-threshold <size>', 'files this large or larger go up as a multipart upload, parts in parallel', DEFAULT_THRESHOLD)
    .option('--part-size <size>', 'multipart part size (5 MiB to 5 GiB; raised when 10,000 parts would not hold the file)', DEFAULT_PART_SIZE)
    .option('--parallel <n>', 'parts sent at once', DEFAULT_PARALLEL)
    .action(async (file: string, target: string, options: PutOptions, command: Command) => put(context, outputFor(command), file, target, options));

  program
    .command('get')
    .description('download an object to a file (default: its name in this directory), or to stdout with "-"; big objects in parallel ranges')
    .argument('<target>', '<container>/<name>')
    .argument('[file]', 'destination file or directory, or - for stdout')
    .option('--parallel <n>', `ranges fetched at once into the file (default ${DEFAULT_PARALLEL} for objects over --parallel-threshold; 1: one stream)`)
    .option('--part-size <size>', 'size of each range (a multipart object is fetched part by part instead, so each part is checked)', DEFAULT_PART_SIZE)
    .option('--parallel-threshold <size>', 'objects this large or larger come down in parallel ranges', DEFAULT_THRESHOLD)
    .action(async (target: string, file: string | undefined, options: GetOptions, command: Command) => get(context, outputFor(command), target, file, options));

  program
    .command('stat')
    .description('show an object: size, etag, option, state and where each replica is')
    .argument('<target>', '<container>/<name>')
    .action(async (target: string, _options: unknown, command: Command) => {
      const { container, name } = parseObjectTarget(target);
      const stat = (await agentClient(context).json<ObjectStat>('GET', `${objectPath(container, name)}?stat`)).body;
      outputFor(command).result(stat, () => formatStat(stat));
    });

  program
    .command('rm')
    .description('remove an object')
    .argument('<target>', '<container>/<name>')
    .action(async (target: string, _options: unknown, command: Command) => {
      const { container, name } = parseObjectTarget(target);
      await agentClient(context).json('DELETE', objectPath(container, name));
      outputFor(command).result({ removed: `${container}/${name}` }, () => `Removed ${container}/${name}.\n`);
    });
}

async function put(context: CliContext, out: Output, file: string, target: string, options: PutOptions): Promise<void> {
  const fromStdin = file === '-';
  const path = fromStdin ? undefined : resolve(context.cwd, file);
  const { container, name } = parseObjectTarget(target, path ? basename(path) : undefined);
  let size: number | undefined;
  if (path) {
    let stats;
    try {
      stats = statSync(path);
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, ExitCode.notFound);
    }
    if (!stats.isFile()) throw new CliError(`${file} is not a file`, ExitCode.usage, 'put uploads one file (or - for stdin)');
    size = stats.size;
  }
  const headers: Record<string, string> = { 'content-type': options.contentType ?? contentTypeOf(name) };
  for (const entry of options.meta ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new CliError(`--meta "${entry}" must be key=value`, ExitCode.usage);
    headers[`x-object-meta-${entry.slice(0, at).toLowerCase()}`] = entry.slice(at + 1);
  }
  const threshold = parseSize(options.multipartThreshold, '--multipart-threshold');
  const partSize = parseSize(options.partSize, '--part-size');
  const parallel = parseParallel(options.parallel);
  if (path && size !== undefined && size >= threshold) {
    return putInParts(context, out, { path, size, container, name, headers, completeHeaders: options.overwrite ? {} : { 'if-none-match': '*' }, partSize, parallel }, file);
  }
  if (!options.overwrite) headers['if-none-match'] = '*';

  const source: Readable = path ? createReadStream(path, { highWaterMark: READ_CHUNK }) : context.stdin;
  const progress = new TransferProgress(`put ${container}/${name}`, size, context.stderr, out.interactive);
  let answer: PutObjectAnswer;
  try {
    answer = (await agentClient(context).upload<PutObjectAnswer>('PUT', objectPath(container, name), source.pipe(progress.meter()), headers, size)).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new CliError(error.message, error.exitCode, `make the container first: mcos mb ${container}`);
    if (error instanceof ApiError && error.status === 412) throw new CliError(`${container}/${name} already exists`, error.exitCode, 'leave out --no-overwrite to replace it');
    throw error;
  } finally {
    progress.stop();
  }
  const durable = answer.replicas.filter((r) => r.durable).length;
  if (answer.state !== 'CREATED' && !out.json) {
    out.note(`${durable} of ${answer.replicas.length} replicas written so far (state ${answer.state}); the agents write the rest in the background`);
  }
  out.result({ container, name, ...answer }, () => `Uploaded ${fromStdin ? 'stdin' : file} to ${container}/${name} (${formatBytes(answer.size)}, etag ${answer.etag}).\n`);
}

/** A file at or above the threshold: a multipart upload through the user API, parts in parallel, one progress bar. */
async function putInParts(context: CliContext, out: Output, request: ParallelPutRequest, file: string): Promise<void> {
  const { container, name } = request;
  const progress = new TransferProgress(`put ${container}/${name}`, request.size, context.stderr, out.interactive);
  let done: ParallelPutResult;
  try {
    done = await parallelPut(new MultipartApi(agentClient(context)), request, progress);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new CliError(error.message, error.exitCode, `make the container first (mcos mb ${container}); an agent older than multipart answers 404 too: then use --multipart-threshold larger than the file`);
    if (error instanceof ApiError && error.status === 412) throw new CliError(`${container}/${name} already exists`, error.exitCode, 'leave out --no-overwrite to replace it');
    throw error;
  } finally {
    progress.stop();
  }
  const etag = done.etag.replace(/"/g, '');
  out.result({ container, name, size: done.size, etag, parts: done.parts, partSize: done.partSize, uploadId: done.uploadId }, () => `Uploaded ${file} to ${container}/${name} (${formatBytes(done.size)} in ${done.parts} parts, etag ${etag}).\n`);
}

async function get(context: CliContext, out: Output, target: string, file: string | undefined, options: GetOptions): Promise<void> {
  const { container, name } = parseObjectTarget(target);
  const toStdout = file === '-';
  const destination = toStdout ? undefined : destinationOf(context.cwd, file, name);
  const parallel = parseParallel(options.parallel ?? DEFAULT_PARALLEL);
  const rangeSize = parseSize(options.partSize, '--part-size');
  if (rangeSize < MIN_RANGE) throw new CliError(`--part-size must be at least 64 KiB for a download`, ExitCode.usage);
  const threshold = options.parallel !== undefined ? 0 : parseSize(options.parallelThreshold, '--parallel-threshold');
  const client = agentClient(context);
  const download = await client.download(objectPath(container, name));
  if (destination && parallel > 1 && download.size !== undefined && download.size >= Math.max(threshold, 1)) {
    download.body.destroy(); // the ranges fetch it instead
    return getInRanges(context, out, client, { container, name, destination, file, parallel, rangeSize });
  }
  const etag = String(download.headers.etag ?? '').replace(/"/g, '');
  const md5 = createHash('md5');
  const progress = new TransferProgress(`get ${container}/${name}`, download.size, context.stderr, out.interactive && !toStdout);
  const meter = progress.meter();
  meter.on('data', (chunk: Buffer) => md5.update(chunk));
  const temp = destination ? join(dirname(destination), `.${basename(destination)}.mcos-${randomBytes(4).toString('hex')}`) : undefined;
  try {
    const sink: Writable = temp ? createWriteStream(temp, { flags: 'wx' }) : context.stdout;
    await pipeline(download.body, meter, sink, { end: temp !== undefined });
    const received = md5.digest('hex');
    if (/^[0-9a-f]{32}$/.test(etag) && received !== etag) {
      throw new CliError(`the bytes received for ${container}/${name} do not match its etag (${received} != ${etag})`, ExitCode.server, 'try again; the agent serves another replica when one is damaged');
    }
    if (temp && destination) renameSync(temp, destination);
  } catch (error) {
    if (temp) rmSync(temp, { force: true });
    if (error instanceof CliError) throw error;
    const fsError = error as NodeJS.ErrnoException;
    if (fsError.syscall && fsError.path) {
      throw new CliError(`cannot write ${file ?? destination}: ${fsError.code ?? fsError.message}`, ExitCode.usage, 'pick a file in a directory you can write to', { cause: error });
    }
    throw new CliError(`download of ${container}/${name} failed: ${fsError.message}`, ExitCode.server, 'try again', { cause: error });
  } finally {
    progress.stop();
  }
  const size = Number(download.size ?? 0);
  const servedBy = String(download.headers[SERVED_BY_HEADER] ?? '');
  if (toStdout) return;
  out.result({ container, name, file: destination, size, etag, servedBy }, () => `Downloaded ${container}/${name} to ${file ?? basename(destination as string)} (${formatBytes(size)}).\n`);
}

/** A big object into a file: parallel ranged GETs written at their offsets, then checked (see parallelGet). */
async function getInRanges(
  context: CliContext,
  out: Output,
  client: ApiClient,
  request: { container: string; name: string; destination: string; file: string | undefined; parallel: number; rangeSize: number },
): Promise<void> {
  const { container, name, destination } = request;
  const stat = (await client.json<ObjectStat & Pick<ObjectLayout, 'parts'>>('GET', `${objectPath(container, name)}?stat`)).body;
  const layout: ObjectLayout = { size: stat.size, etag: stat.etag.replace(/"/g, ''), parts: stat.parts };
  const temp = join(dirname(destination), `.${basename(destination)}.mcos-${randomBytes(4).toString('hex')}`);
  const progress = new TransferProgress(`get ${container}/${name}`, layout.size, context.stderr, out.interactive);
  let verified: Verification;
  try {
    closeSync(openSync(temp, 'wx'));
    verified = await parallelGet(client, { container, name, file: temp, layout, rangeSize: request.rangeSize, parallel: request.parallel }, progress);
    renameSync(temp, destination);
  } catch (error) {
    rmSync(temp, { force: true });
    if (error instanceof CliError) throw error;
    const fsError = error as NodeJS.ErrnoException;
    if (fsError.syscall && fsError.path) {
      throw new CliError(`cannot write ${request.file ?? destination}: ${fsError.code ?? fsError.message}`, ExitCode.usage, 'pick a file in a directory you can write to', { cause: error });
    }
    throw new CliError(`download of ${container}/${name} failed: ${fsError.message}`, ExitCode.server, 'try again', { cause: error });
  } finally {
    progress.stop();
  }
  if (verified.kind === 'none') out.note(`${container}/${name} was not checked: ${verified.reason}`);
  const checked = verified.kind === 'parts' ? `each of ${verified.parts} parts against its MD5` : verified.kind === 'md5' ? 'MD5' : 'none';
  out.result({ container, name, file: destination, size: layout.size, etag: layout.etag, parallel: request.parallel, checked }, () => `Downloaded ${container}/${name} to ${request.file ?? basename(destination)} (${formatBytes(layout.size)}, ${request.parallel} ranges at once).\n`);
}

/** The file to write: the object's last name segment in cwd, or inside `file` when it is a directory. */
function destinationOf(cwd: string, file: string | undefined, name: string): string {
  const leaf = basename(name);
  if (file === undefined) return resolve(cwd, leaf);
  const path = resolve(cwd, file);
  try {
    if (statSync(path).isDirectory()) return join(path, leaf);
  } catch {
    // Not there yet: it is the file to create.
  }
  return path;
}

function formatStat(stat: ObjectStat): string {
  const primaries = stat.replicas.filter((r) => r.role === 'primary');
  const current = primaries.filter((r) => r.state === 'current').length;
  const lines = [
    `${stat.container}/${stat.name}`,
    formatTable(
      undefined,
      [
        ['size', `${stat.size} bytes (${formatBytes(stat.size)})`],
        ['etag', stat.etag],
        ['content type', stat.contentType ?? '-'],
        ['modified', formatDate(stat.lastModified)],
        ...Object.entries(stat.userMeta).map(([k, v]) => [`meta ${k}`, v]),
        ['option', stat.option],
        ['state', stat.state],
        ['replicas', `${current} of ${primaries.length} primaries current`],
      ].map((row) => [` ${row[0]}`, row[1]]),
    ).trimEnd(),
    formatTable(
      undefined,
      [...stat.replicas].sort((a, b) => a.role.localeCompare(b.role) || a.service.localeCompare(b.service)).map((r) => [`   ${r.service}`, r.region ?? '-', r.role, r.state]),
    ).trimEnd(),
  ];
  // A multipart object: each part is placed on its own, so each has its own replicas.
  if (stat.parts?.length) {
    lines.push(
      ` parts (${stat.parts.length})`,
      formatTable(
        undefined,
        stat.parts.map((p) => {
          const held = p.replicas.filter((r) => r.state === 'current').map((r) => r.service);
          return [`   ${p.partNumber}`, formatBytes(p.size), p.etag, p.state, held.length > 0 ? held.join(', ') : '-'];
        }),
      ).trimEnd(),
    );
  }
  lines.push('');
  return lines.join('\n');
}

const CONTENT_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.csv': 'text/csv',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
