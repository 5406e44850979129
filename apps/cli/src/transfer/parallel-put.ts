import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, TransformCallback } from 'node:stream';
import { CliError, ExitCode } from '../errors/cli.error';
import type { TransferProgress } from '../output/transfer-progress';
import type { CompletedUpload, MultipartApi } from './multipart-api';
import { planParts, Slice } from './part-plan';
import { withRetries } from './retry';
import { runParallel } from './run-parallel';

export interface ParallelPutRequest {
  path: string;
  size: number;
  container: string;
  name: string;
  /** Content-Type and x-object-meta-* for the object, given at create. */
  headers: Record<string, string>;
  /** Sent with complete: `if-none-match: *` for --no-overwrite. */
  completeHeaders?: Record<string, string>;
  partSize: number;
  parallel: number;
}

export interface ParallelPutResult extends CompletedUpload {
  uploadId: string;
  partSize: number;
}

/**
 * Uploads a file as a multipart upload through the agent's user API: parts
 * read straight from the file (never the whole file in memory), `parallel` at
 * once, each retried on a transport error or 5xx, each answer's ETag checked
 * against the MD5 of the bytes sent; then complete, whose ETag is checked
 * against the one computed here. Any failure aborts the upload, so no part is
 * left behind.
 */
export async function parallelPut(api: MultipartApi, request: ParallelPutRequest, progress: TransferProgress): Promise<ParallelPutResult> {
  const plan = planParts(request.size, request.partSize);
  const { container, name } = request;
  const uploadId = await api.create(container, name, request.headers);
  try {
    const md5s = await runParallel(plan, request.parallel, (slice, signal) => withRetries(signal, () => sendPart(api, request, uploadId, slice, progress, signal)));
    const expected = `${createHash('md5').update(Buffer.concat(md5s.map((m) => Buffer.from(m, 'hex')))).digest('hex')}-${plan.length}`;
    const done = await api.complete(container, name, uploadId, md5s.map((etag, i) => ({ partNumber: plan[i].number, etag })), request.completeHeaders);
    if (done.etag.replace(/"/g, '') !== expected) {
      throw new CliError(`the agent completed ${container}/${name} with etag ${done.etag}, not ${expected} (the parts sent)`, ExitCode.server, 'upload it again');
    }
    return { ...done, uploadId, partSize: plan[0]?.length ?? request.partSize };
  } catch (error) {
    await api.abort(container, name, uploadId).catch(() => undefined);
    throw error;
  }
}

/** One attempt at one part; returns the part's MD5 hex once the agent's ETag matches it. */
async function sendPart(api: MultipartApi, request: ParallelPutRequest, uploadId: string, slice: Slice, progress: TransferProgress, signal: AbortSignal): Promise<string> {
  const md5 = createHash('md5');
  let counted = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      md5.update(chunk);
      counted += chunk.length;
      progress.add(chunk.length);
      callback(null, chunk);
    },
  });
  const source = createReadStream(request.path, { start: slice.offset, end: slice.offset + slice.length - 1, highWaterMark: 1024 * 1024 });
  const stop = () => source.destroy(new Error('another part failed'));
  signal.addEventListener('abort', stop, { once: true });
  try {
    const answer = await api.uploadPart(request.container, request.name, uploadId, slice.number, source.pipe(meter), slice.length);
    const sent = md5.digest('hex');
    if (counted !== slice.length) throw new CliError(`part ${slice.number}: ${counted} of ${slice.length} bytes read (did the file change?)`, ExitCode.usage);
    if (answer.etag.replace(/"/g, '') !== sent) throw new CliError(`part ${slice.number}: the agent stored etag ${answer.etag}, not ${sent}`, ExitCode.server, 'try again');
    return sent;
  } catch (error) {
    progress.add(-counted); // this attempt's bytes are sent again
    throw error;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
