/**
 * `bench:data -- --api s3`, multipart (issue 15): one big object uploaded
 * with `@aws-sdk/lib-storage` (parts of --mpu-part-mib, 4 and 8 in flight,
 * parts sent round-robin to every endpoint), the same object downloaded with
 * parallel ranged GETs (one range per part, round-robin), and the baseline:
 * one single-stream PutObject of the same size through one endpoint, with
 * the same client settings. The same against Swift's s3api (one endpoint)
 * with --vs-swift.
 *
 * The client runs in the bench's own process, as an application would; the
 * bytes are a 1 MiB random block repeated (nothing is read from disk), so
 * the figures are the servers' and the wire's.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { mapLimited } from '@mcos/backends';
import type { Target } from './data-report';
import type { S3Credentials } from './data-s3-sign';

const MIB = 2 ** 20;

/** Where to send: every endpoint takes parts and ranges in turn; the first takes the single-stream PUT. */
export interface MultipartTarget {
  label: string;
  endpoints: string[];
  bucket: string;
  key: S3Credentials;
}

export interface MultipartOptions {
  sizeMiB: number;
  partMiB: number;
  /** Parts (and ranges) in flight, each measured: 4 and 8 by default. */
  queues: number[];
  runs: number;
  /** Peak RSS (MB) of the servers over `work`, when they are ours to watch. */
  rss?: (work: () => Promise<unknown>) => Promise<number>;
  note: (line: string) => void;
}

export interface MultipartFigures {
  label: string;
  endpoints: number;
  sizeMiB: number;
  partMiB: number;
  /** Single-stream PutObject through the first endpoint, MiB/s (median of the runs). */
  singlePut: number;
  /** lib-storage Upload, MiB/s, by parts in flight. */
  upload: Record<string, number>;
  /** Parallel ranged GETs, MiB/s, by ranges in flight. */
  download: Record<string, number>;
  /** Peak RSS of the servers over all of it (MB); null when not ours (Swift). */
  rssPeakMb: number | null;
}

/** The same client settings for every system: path-style, checksums only when required (Swift 2.30's s3api refuses the SDK's default trailer). */
function clientFor(endpoint: string, key: S3Credentials): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: key, requestChecksumCalculation: 'WHEN_REQUIRED', maxAttempts: 1 });
}

/**
 * Sends UploadPart and GetObject requests to the endpoints in turn. It runs
 * in the SDK's build step, before the signature (finalizeRequest), so each
 * request is signed for the host it goes to.
 */
export function roundRobin(client: S3Client, endpoints: string[]): void {
  const urls = endpoints.map((e) => new URL(e));
  let next = 0;
  client.middlewareStack.add(
    (handler, context) => async (args) => {
      const request = args.request as { hostname?: string; port?: number; headers?: Record<string, string> };
      if ((context.commandName === 'UploadPartCommand' || context.commandName === 'GetObjectCommand') && request.headers && urls.length > 1) {
        const url = urls[next++ % urls.length];
        request.hostname = url.hostname;
        request.port = Number(url.port);
        request.headers.host = url.host;
      }
      return handler(args);
    },
    { step: 'build', name: 'mcosBenchRoundRobin' },
  );
}

/** `size` bytes of a 1 MiB random block repeated, as a stream of unknown length (lib-storage cuts it into parts). */
function body(size: number, block: Buffer): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(block.length, size - sent);
      sent += n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Runs the multipart workloads against one system and returns its figures. */
export async function measureMultipart(target: MultipartTarget, options: MultipartOptions): Promise<MultipartFigures> {
  const size = options.sizeMiB * MIB;
  const partSize = options.partMiB * MIB;
  const block = randomBytes(MIB);
  const multi = clientFor(target.endpoints[0], target.key);
  roundRobin(multi, target.endpoints);
  const single = clientFor(target.endpoints[0], target.key);
  const key = 'bench-multipart-object';
  const singleRuns: number[] = [];
  const uploadRuns = new Map<number, number[]>();
  const downloadRuns = new Map<number, number[]>();
  const mibps = (seconds: number) => options.sizeMiB / seconds;

  const work = async () => {
    for (let run = 1; run <= options.runs; run++) {
      const put = mibps(await timed(() => single.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body(size, block), ContentLength: size }))));
      singleRuns.push(put);
      options.note(`run ${run}/${options.runs}: ${target.label} single-stream PUT ${options.sizeMiB} MiB: ${put.toFixed(0)} MiB/s`);
      for (const queue of options.queues) {
        const up = mibps(
          await timed(async () => {
            const done = await new Upload({ client: multi, queueSize: queue, partSize, leavePartsOnError: false, params: { Bucket: target.bucket, Key: key, Body: body(size, block) } }).done();
            const parts = Math.ceil(size / partSize);
            if (!done.ETag?.endsWith(`-${parts}"`)) throw new Error(`${target.label}: the upload answered ETag ${done.ETag}, not one of ${parts} parts`);
          }),
        );
        uploadRuns.set(queue, [...(uploadRuns.get(queue) ?? []), up]);
        const down = mibps(await timed(() => rangedGet(multi, target.bucket, key, size, partSize, queue)));
        downloadRuns.set(queue, [...(downloadRuns.get(queue) ?? []), down]);
        options.note(`run ${run}/${options.runs}: ${target.label} multipart ${options.partMiB} MiB parts, ${queue} in flight: up ${up.toFixed(0)} MiB/s, down ${down.toFixed(0)} MiB/s`);
      }
    }
  };
  try {
    const rssPeakMb = options.rss ? await options.rss(work) : (await work(), null);
    return {
      label: target.label,
      endpoints: target.endpoints.length,
      sizeMiB: options.sizeMiB,
      partMiB: options.partMiB,
      singlePut: median(singleRuns),
      upload: Object.fromEntries(options.queues.map((q) => [String(q), median(uploadRuns.get(q)!)])),
      download: Object.fromEntries(options.queues.map((q) => [String(q), median(downloadRuns.get(q)!)])),
      rssPeakMb,
    };
  } finally {
    await single.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key })).catch(() => undefined);
    for (const c of [multi, single]) c.destroy();
  }
}

/** The object in `partSize` ranges, `parallel` at once (round-robin by the client's middleware), every byte counted. */
async function rangedGet(client: S3Client, bucket: string, key: string, size: number, partSize: number, parallel: number): Promise<void> {
  const ranges = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => [i * partSize, Math.min(size, (i + 1) * partSize) - 1] as const);
  const got = await mapLimited(ranges, parallel, async ([start, end]) => {
    const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }));
    let n = 0;
    for await (const chunk of r.Body as Readable) n += (chunk as Buffer).length;
    if (n !== end - start + 1) throw new Error(`range ${start}-${end}: ${n} bytes`);
    return n;
  });
  const total = got.reduce((a, b) => a + b, 0);
  if (total !== size) throw new Error(`ranged GETs gave ${total} of ${size} bytes`);
}

const div = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || !b ? null : a / b);

/** Issue 15's targets: multipart upload >= 1.5x a single-stream PUT through one agent and >= 1.5x Swift s3api's multipart; agent RSS < 200 MB. */
export function multipartTargetsOf(mcos: MultipartFigures, swift: MultipartFigures | null): { ratios: Record<string, number | null>; targets: Target[] } {
  const best = (r: Record<string, number>) => Math.max(...Object.values(r));
  const ratios: Record<string, number | null> = {
    'mpu.upload/singlePut': div(best(mcos.upload), mcos.singlePut),
    'mpu.upload/swiftMpu': swift ? div(best(mcos.upload), best(swift.upload)) : null,
    'mpu.download/swiftRanged': swift ? div(best(mcos.download), best(swift.download)) : null,
  };
  const at = (name: string, value: number | null, ok: (v: number) => boolean, goal: string, note?: string): Target => ({ name, value, goal, met: value === null ? null : ok(value), note });
  return {
    ratios,
    targets: [
      at('multipart upload / single-stream PUT (one agent)', ratios['mpu.upload/singlePut'], (v) => v >= 1.5, '>= 1.5x'),
      at('multipart upload / Swift s3api multipart', ratios['mpu.upload/swiftMpu'], (v) => v >= 1.5, '>= 1.5x', swift ? undefined : 'needs --vs-swift and a running Swift'),
      at('agent peak RSS during multipart (MB)', mcos.rssPeakMb, (v) => v < 200, '< 200 MB'),
    ],
  };
}

const num = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The multipart rows: MiB/s for MCOS (round-robin over its agents) and Swift s3api, and the targets. */
export function printMultipartTable(m: { mcos: MultipartFigures; swift: MultipartFigures | null; targets: Target[] }, log: (line: string) => void = console.log): void {
  const systems = [m.mcos, ...(m.swift ? [m.swift] : [])];
  const header = [`${m.mcos.sizeMiB} MiB object, ${m.mcos.partMiB} MiB parts (MiB/s)`, ...systems.map((s) => `${s.label} (${s.endpoints} endpoint${s.endpoints > 1 ? 's' : ''})`)];
  const rows: string[][] = [['single-stream PutObject (one endpoint)', ...systems.map((s) => num(s.singlePut))]];
  for (const q of Object.keys(m.mcos.upload)) rows.push([`lib-storage Upload, ${q} parts in flight`, ...systems.map((s) => num(s.upload[q]))]);
  for (const q of Object.keys(m.mcos.download)) rows.push([`ranged GETs, ${q} in flight`, ...systems.map((s) => num(s.download[q]))]);
  rows.push(['servers peak RSS (MB)', ...systems.map((s) => num(s.rssPeakMb))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((l) => l[i].length)));
  log('');
  for (const line of [header, widths.map((w) => '-'.repeat(w)), ...rows]) log(line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  log('Parts and ranges go round-robin to every endpoint; the client runs in the bench process (SDK default signing, checksums only when required).');
  log('\nMultipart targets');
  for (const t of m.targets) {
    const state = t.met === null ? 'n/a   ' : t.met ? 'met   ' : 'MISSED';
    log(`  [${state}] ${t.name}: ${num(t.value, 2)} (target ${t.goal})${t.note && t.met === null ? ` — ${t.note}` : ''}`);
  }
}
