import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { CliError, ExitCode } from '../errors/cli.error';
import { ApiClient, objectPath } from '../http/api.client';
import type { TransferProgress } from '../output/transfer-progress';
import { Slice, slices } from './part-plan';
import { withRetries } from './retry';
import { runParallel } from './run-parallel';

/** What `?stat` tells about an object that a parallel download needs. */
export interface ObjectLayout {
  size: number;
  /** The object's ETag, bare: an MD5, or `<md5>-<parts>` for a multipart object. */
  etag: string;
  /** A multipart object's parts, when the agent lists them (sizes and MD5s). */
  parts?: { partNumber: number; size: number; etag?: string }[];
}

export interface ParallelGetRequest {
  container: string;
  name: string;
  /** An existing, empty file to fill (the caller renames it into place). */
  file: string;
  layout: ObjectLayout;
  rangeSize: number;
  parallel: number;
}

/** How the bytes were checked, said to the user. */
export type Verification = { kind: 'md5' } | { kind: 'parts'; parts: number } | { kind: 'none'; reason: string };

const MD5 = /^[0-9a-f]{32}$/;

/**
 * Downloads an object with `parallel` ranged GETs at once, each written at
 * its offset in the file (positional writes: no reassembly, no object in
 * memory). Every answer must carry the ETag the download started with, so an
 * object replaced meanwhile fails the download instead of mixing two
 * versions. The bytes are then checked: a multipart object part by part
 * against the parts' MD5s (ranges follow the parts), with the ETag
 * recomputed from them; a single-part object by the MD5 of the written file;
 * a multipart object whose parts are not listed cannot be checked (its ETag
 * is not the MD5 of its bytes), and the caller says so.
 */
export async function parallelGet(client: ApiClient, request: ParallelGetRequest, progress: TransferProgress): Promise<Verification> {
  const { layout } = request;
  const partMd5s = checkableParts(layout);
  const plan: (Slice & { md5?: string })[] = partMd5s ?? slices(layout.size, request.rangeSize);
  const handle = await open(request.file, 'r+');
  try {
    await handle.truncate(layout.size);
    await runParallel(plan, request.parallel, (slice, signal) => withRetries(signal, () => fetchRange(client, request, slice, handle, progress, signal)));
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (partMd5s) {
    const etag = `${createHash('md5').update(Buffer.concat(partMd5s.map((p) => Buffer.from(p.md5, 'hex')))).digest('hex')}-${partMd5s.length}`;
    if (etag !== layout.etag) throw mismatch(request, `the parts' MD5s give etag ${etag}, the object says ${layout.etag}`);
    return { kind: 'parts', parts: partMd5s.length };
  }
  if (MD5.test(layout.etag)) {
    const received = await fileMd5(request.file);
    if (received !== layout.etag) throw mismatch(request, `${received} != ${layout.etag}`);
    return { kind: 'md5' };
  }
  return { kind: 'none', reason: `its etag ${layout.etag} is a multipart etag, not the MD5 of its bytes, and the agent did not list its parts' MD5s` };
}

/** The parts as slices with their MD5s, when the layout lists every part with sizes adding up; else undefined. */
function checkableParts(layout: ObjectLayout): (Slice & { md5: string })[] | undefined {
  const parts = layout.parts;
  if (!parts || parts.length === 0 || !/^[0-9a-f]{32}-\d+$/.test(layout.etag)) return undefined;
  if (!parts.every((p) => p.etag !== undefined && MD5.test(p.etag.replace(/"/g, '')))) return undefined;
  const out: (Slice & { md5: string })[] = [];
  let offset = 0;
  for (const p of [...parts].sort((a, b) => a.partNumber - b.partNumber)) {
    out.push({ number: p.partNumber, offset, length: p.size, md5: (p.etag as string).replace(/"/g, '') });
    offset += p.size;
  }
  return offset === layout.size ? out.filter((s) => s.length > 0) : undefined;
}

/** One attempt at one range: GET with Range, the ETag and Content-Range checked, bytes written at their offset. */
async function fetchRange(
  client: ApiClient,
  request: ParallelGetRequest,
  slice: Slice & { md5?: string },
  handle: Awaited<ReturnType<typeof open>>,
  progress: TransferProgress,
  signal: AbortSignal,
): Promise<void> {
  const last = slice.offset + slice.length - 1;
  const download = await client.download(objectPath(request.container, request.name), { range: `bytes=${slice.offset}-${last}` });
  const stop = () => download.body.destroy(new Error('another range failed'));
  signal.addEventListener('abort', stop, { once: true });
  let written = 0;
  try {
    const etag = String(download.headers.etag ?? '').replace(/"/g, '');
    if (etag !== request.layout.etag) {
      throw new CliError(`${request.container}/${request.name} changed while it was downloading (etag ${etag}, was ${request.layout.etag})`, ExitCode.usage, 'download it again');
    }
    const range = String(download.headers['content-range'] ?? '');
    if (download.status !== 206 || range !== `bytes ${slice.offset}-${last}/${request.layout.size}`) {
      throw new CliError(`the agent answered bytes ${slice.offset}-${last} with status ${download.status} and range "${range}"`, ExitCode.server, 'try again');
    }
    const md5 = slice.md5 ? createHash('md5') : undefined;
    for await (const chunk of download.body) {
      const buffer = chunk as Buffer;
      if (written + buffer.length > slice.length) throw new CliError(`the agent sent more than bytes ${slice.offset}-${last}`, ExitCode.server, 'try again');
      md5?.update(buffer);
      await handle.write(buffer, 0, buffer.length, slice.offset + written);
      written += buffer.length;
      progress.add(buffer.length);
    }
    if (written !== slice.length) throw new CliError(`the agent sent ${written} of bytes ${slice.offset}-${last}`, ExitCode.server, 'try again');
    if (md5 && md5.digest('hex') !== slice.md5) throw new CliError(`part ${slice.number} of ${request.container}/${request.name} does not match its MD5`, ExitCode.server, 'try again; the agent serves another replica when one is damaged');
  } catch (error) {
    progress.add(-written);
    download.body.destroy();
    throw error;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

function mismatch(request: ParallelGetRequest, detail: string): CliError {
  return new CliError(`the bytes received for ${request.container}/${request.name} do not match its etag (${detail})`, ExitCode.server, 'try again; the agent serves another replica when one is damaged');
}

function fileMd5(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(path, { highWaterMark: 1024 * 1024 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
