/**
 * Data-path benchmark: `npm run bench:data [-- --json] [-- --vs-swift]`.
 *
 * Starts its own controller + 3 fs agents on temp dirs and free loopback
 * ports, a minimal node:http reference server, and a load generator in a
 * separate process. Measures the agents' peak RSS during 1 GiB PUT and GET,
 * 4 KiB PUT/GET at 16 in flight (ops/s, p50, p99) and one 256 MiB stream
 * PUT/GET (MiB/s) for the options `single` and `standard` — each workload for
 * a fixed time, the median of several runs — and the raw fs baseline in the
 * same run; prints every figure with its ratio to the baseline and the
 * issue's targets as met / missed. `--vs-swift` adds a local Swift
 * all-in-one (libs/backends/src/testing/servers/swift-aio.py). Docs: docs/performance.md.
 *
 * `--api s3` also runs the 4 KiB and 256 MiB workloads through the agents'
 * S3 door (every request SigV4-signed by the load generator, a key made
 * through the admin API), and with `--vs-swift` through Swift's own s3api,
 * in the same run; `--s3-payload chunked|unsigned` (chunked) is how the
 * 256 MiB PUTs to MCOS are sent. It also runs the multipart workloads
 * (bench/data-s3-multipart.ts): one --mpu-mib object (1024) uploaded with
 * lib-storage in --mpu-part-mib parts (16), --mpu-queues in flight (4,8),
 * parts round-robin to the agents, downloaded with ranged GETs the same
 * way, against a single-stream PUT through one agent (and Swift's s3api).
 *
 * Options: --concurrency N (16), --duration S (3), --runs N (3),
 * --warmup S (0.5), --objects N (128 objects to read), --big-mib N (256),
 * --huge-mib N (1024), --cpu-prof DIR (profile the agents), --md5-worker
 * (agents hash large bodies on a worker thread), --keep (keep
 * the temp dir), --json (only JSON on stdout; progress goes to stderr).
 */
import { fork } from 'node:child_process';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mapLimited } from '@mcos/backends';
import { BENCH_ADMIN, BenchCluster, type BenchAgent } from './data-cluster';
import { LoadGenerator, type SmallResult, type SmallWorkload, type StreamResult } from './data-load';
import { medianSmall, medianStream, printTable, ratiosOf, targetsOf, type DataBenchReport, type SystemFigures } from './data-report';
import { EMPTY_SHA256, S3RequestSigner, type S3Credentials } from './data-s3-sign';
import { printS3Table, s3RatiosOf, s3TargetsOf } from './data-s3-report';
import { measureMultipart, multipartTargetsOf, printMultipartTable } from './data-s3-multipart';
import { startSwiftTarget, type SwiftTarget } from './data-swift';
import { evictFromPageCache, largeFilesUnder } from './page-cache';

const KIB4 = 4096;
const MIB = 2 ** 20;

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    'vs-swift': { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '16' },
    duration: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '0.5' },
    objects: { type: 'string', default: '128' },
    'big-mib': { type: 'string', default: '256' },
    'huge-mib': { type: 'string', default: '1024' },
    'cpu-prof': { type: 'string' },
    'md5-worker': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    api: { type: 'string', default: 'v1' },
    's3-payload': { type: 'string', default: 'chunked' },
    'mpu-mib': { type: 'string', default: '1024' },
    'mpu-part-mib': { type: 'string', default: '16' },
    'mpu-queues': { type: 'string', default: '4,8' },
  },
});

if (args.api !== 'v1' && args.api !== 's3') throw new Error(`--api must be v1 or s3 (got ${args.api})`);
if (args['s3-payload'] !== 'chunked' && args['s3-payload'] !== 'unsigned') throw new Error(`--s3-payload must be chunked or unsigned (got ${args['s3-payload']})`);

function positive(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number (got ${raw})`);
  return n;
}

const opts = {
  concurrency: Math.round(positive('concurrency', args.concurrency)),
  durationSeconds: positive('duration', args.duration),
  runs: Math.round(positive('runs', args.runs)),
  warmupSeconds: Number(args.warmup) >= 0 ? Number(args.warmup) : 0.5,
  objects: Math.round(positive('objects', args.objects)),
  bigMiB: Math.round(positive('big-mib', args['big-mib'])),
  hugeMiB: Math.round(positive('huge-mib', args['huge-mib'])),
  vsSwift: args['vs-swift'] ?? false,
  cpuProf: args['cpu-prof'] ? resolve(args['cpu-prof']) : undefined,
  md5Worker: args['md5-worker'] ?? false,
  api: args.api as 'v1' | 's3',
  s3Payload: args['s3-payload'] as 'chunked' | 'unsigned',
  mpuMiB: Math.round(positive('mpu-mib', args['mpu-mib'])),
  mpuPartMiB: Math.round(positive('mpu-part-mib', args['mpu-part-mib'])),
  mpuQueues: (args['mpu-queues'] ?? '4,8').split(',').map((q) => Math.round(positive('mpu-queues', q))),
};

const note = (line: string): void => void process.stderr.write(`[bench:data] ${line}\n`);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** Stops what this run started, newest first, once — also on Ctrl-C and on errors. */
class Cleanup {
  private readonly steps: (() => unknown)[] = [];
  private running?: Promise<void>;
  add(step: () => unknown): void {
    this.steps.push(step);
  }
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch (err) {
          note(`cleanup: ${(err as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}

// ------------------------------------------------------------ MCOS user API

interface Mcos {
  agents: BenchAgent[];
  token: string;
}

const auth = (m: Mcos) => ({ authorization: `Bearer ${m.token}` });
const objectUrl = (agent: BenchAgent, container: string, name: string) => `${agent.url}/v1/containers/${container}/objects/${name}`;

async function call(method: string, url: string, headers: Record<string, string>, body?: string | Buffer): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(60_000) });
  return { status: res.status, text: await res.text() };
}

async function expectOk(what: string, p: Promise<{ status: number; text: string }>): Promise<string> {
  const r = await p;
  if (r.status < 200 || r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  return r.text;
}

async function login(agent: BenchAgent): Promise<string> {
  const body = JSON.stringify(BENCH_ADMIN);
  const text = await expectOk('login', call('POST', `${agent.url}/v1/auth/login`, { 'content-type': 'application/json' }, body));
  return (JSON.parse(text) as { token: string }).token;
}

interface Stat {
  state: string;
  replicas: { service: string; state: string }[];
}

async function stat(m: Mcos, container: string, name: string): Promise<Stat> {
  return JSON.parse(await expectOk(`stat ${name}`, call('GET', `${objectUrl(m.agents[0], container, name)}?stat`, auth(m)))) as Stat;
}

/** Waits until every replica of a standard object is written (W2 answers before the third). */
async function waitCreated(m: Mcos, container: string, name: string): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(100)) {
    if ((await stat(m, container, name)).state === 'CREATED') return;
  }
  throw new Error(`${name}: not on every replica after 120 s`);
}

/**
 * Names of 4 KiB objects of a `single` container whose one replica is on
 * `holder`, chosen by their stat placement; `count` of them.
 */
async function namesHeldBy(m: Mcos, container: string, holder: string, count: number, prefix: string): Promise<string[]> {
  const held: string[] = [];
  const body = Buffer.alloc(KIB4, 7);
  for (let batch = 0; held.length < count; batch++) {
    if (batch > 20) throw new Error(`could not find ${count} names placed on ${holder}`);
    const names = Array.from({ length: count * 3 }, (_, i) => `${prefix}-${batch}-${i}`);
    await mapLimited(names, 8, async (name) => {
      await expectOk(`put ${name}`, call('PUT', objectUrl(m.agents[0], container, name), auth(m), body));
      const s = await stat(m, container, name);
      const holders = s.replicas.filter((r) => r.state === 'current').map((r) => r.service);
      if (holders.length === 1 && holders[0] === holder && held.length < count) held.push(name);
    });
  }
  return held;
}

async function putNames(m: Mcos, container: string, names: string[]): Promise<void> {
  const body = Buffer.alloc(KIB4, 7);
  await mapLimited(names, 8, async (name) => {
    await expectOk(`put ${name}`, call('PUT', objectUrl(m.agents[0], container, name), auth(m), body));
  });
}

// ------------------------------------------------------------ S3

/**
 * An S3 key for the bench's admin, made through the controller's admin API,
 * once every agent's S3 door takes it (agents learn keys from the controller).
 */
async function makeS3Key(cluster: BenchCluster): Promise<S3Credentials> {
  const login = await expectOk('controller login', call('POST', `${cluster.controllerUrl}/v1/auth/login`, { 'content-type': 'application/json' }, JSON.stringify(BENCH_ADMIN)));
  const token = (JSON.parse(login) as { token: string }).token;
  const made = await expectOk('make an S3 key', call('POST', `${cluster.controllerUrl}/v1/users/${BENCH_ADMIN.username}/keys`, { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, '{}'));
  const key = JSON.parse(made) as S3Credentials;
  const signer = new S3RequestSigner(key);
  for (const agent of cluster.agents) {
    const host = new URL(agent.s3Url!).host;
    for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
      const { headers } = signer.sign('GET', host, '/', EMPTY_SHA256);
      const r = await call('GET', `${agent.s3Url}/`, headers).catch(() => ({ status: 0, text: '' }));
      if (r.status === 200) break;
      if (Date.now() > deadline) throw new Error(`${agent.name}'s S3 door does not take the new key after 30 s (HTTP ${r.status} ${r.text.slice(0, 200)})`);
    }
  }
  return key;
}

// ------------------------------------------------------------ memory

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/**
 * Peak RSS (MB) of the given processes over `work`: the kernel's high-water
 * mark, reset first (clear_refs 5), and VmRSS sampled every 50 ms in case the
 * reset is not allowed; the highest process counts.
 */
async function peakRssMb(pids: number[], work: () => Promise<unknown>): Promise<number> {
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // not allowed here: the samples still catch the peak (to within 50 ms)
    }
  }
  let sampled = 0;
  const timer = setInterval(() => {
    for (const pid of pids) sampled = Math.max(sampled, statusKb(pid, 'VmRSS'));
  }, 50);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const hwm = Math.max(...pids.map((pid) => statusKb(pid, 'VmHWM')));
  return Math.max(hwm, sampled) / 1024;
}

/** Forks data-reference-server.js on `dir`; resolves with its base URL and a stopper. */
async function startReference(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS'));
  const child = fork(join(__dirname, 'data-reference-server.js'), [dir], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000)]);
  };
  const port = await Promise.race([
    new Promise<number>((ok) => child.once('message', (m: { port: number }) => ok(m.port))),
    exited.then(() => Promise.reject(new Error('the reference server exited at start'))),
  ]).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { url: `http://127.0.0.1:${port}`, stop };
}

// ------------------------------------------------------------ run

let interrupted = false;

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  const stop = (signal: string) => {
    interrupted = true;
    note(`${signal}: stopping what the bench started`);
    void cleanup.run().then(() => process.exit(130));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  const root = mkdtempSync(join(tmpdir(), 'mcos-bench-data-'));
  cleanup.add(() => (args.keep ? note(`kept ${root}`) : rmSync(root, { recursive: true, force: true })));
  try {
    const report = await measure(root, cleanup);
    if (args.json) console.log(JSON.stringify(report, null, 2));
    else {
      printTable(report);
      if (report.s3) printS3Table(report.s3, opts.bigMiB);
      if (report.multipart) printMultipartTable(report.multipart);
    }
  } finally {
    await cleanup.run();
  }
}

async function measure(root: string, cleanup: Cleanup): Promise<DataBenchReport> {
  const { bsize, bavail } = statfsSync(root);
  const freeGiB = (bsize * bavail) / 2 ** 30;
  // Multipart: 3 replicas of the object and of the previous upload's parts until the parts GC frees them.
  const needGiB = (3 * opts.hugeMiB + 7 * opts.bigMiB + (opts.api === 's3' ? 6 * opts.mpuMiB : 0)) / 1024 + 1;
  note(`temp dir ${root} (${freeGiB.toFixed(1)} GiB free, about ${needGiB.toFixed(1)} GiB needed at the peak)`);
  if (freeGiB < needGiB) throw new Error(`not enough free space in ${tmpdir()}: ${freeGiB.toFixed(1)} GiB, need ${needGiB.toFixed(1)}`);

  if (opts.cpuProf) mkdirSync(opts.cpuProf, { recursive: true });
  note('starting controller + 3 agents, the reference server and the load generator');
  const cluster = await BenchCluster.start(
    join(root, 'cluster'),
    opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] : [],
    3,
    {
      ...(opts.md5Worker ? { md5WorkerThread: true } : {}),
      // The multipart runs overwrite one object: its previous parts are freed 30 s later instead of 15 min (disk).
      ...(opts.api === 's3' ? { multipart: { gcGraceSeconds: 30, gcIntervalMs: 5_000 } } : {}),
    },
    opts.api === 's3',
  );
  cleanup.add(() => cluster.stop());
  const reference = await startReference(join(root, 'reference'));
  cleanup.add(() => reference.stop());
  const load = LoadGenerator.start();
  cleanup.add(() => load.stop());
  let swift: SwiftTarget | undefined;
  let swiftSkipped: string | undefined;
  if (opts.vsSwift) {
    note('starting Swift');
    const started = await startSwiftTarget(join(root, 'swift'));
    if ('skipped' in started) {
      swiftSkipped = started.skipped;
      note(`Swift skipped: ${swiftSkipped}`);
    } else {
      swift = started;
      cleanup.add(() => started.stop());
    }
  }

  const [a1, a2] = cluster.agents;
  const m: Mcos = { agents: cluster.agents, token: await login(a1) };
  for (const option of ['single', 'standard']) {
    const body = JSON.stringify({ option });
    await expectOk(`container ${option}`, call('PUT', `${a1.url}/v1/containers/bench-${option}`, { ...auth(m), 'content-type': 'application/json' }, body));
  }
  const s3Key = opts.api === 's3' ? await makeS3Key(cluster) : undefined;
  const pids = cluster.agents.map((a) => a.process.pid);
  const idleMb = Math.max(...pids.map((pid) => statusKb(pid, 'VmRSS'))) / 1024;
  note('choosing object names by their ?stat placement');
  const [bigSingle, hugeSingle] = await namesHeldBy(m, 'bench-single', a1.name, 2, 'big');
  const big = opts.bigMiB * MIB;
  const huge = opts.hugeMiB * MIB;
  const stream = (op: 'put' | 'get' | 'write' | 'read', target: string, headers?: Record<string, string>, size = big) =>
    load.run({ kind: 'stream', op, target, headers, size });

  // First, on agents that have served little else yet (as in test/agent-memory.e2e-spec.ts):
  // streaming must not grow them. What the small-object load adds is reported after it.
  const beforeMb = Math.max(...pids.map((pid) => statusKb(pid, 'VmRSS'))) / 1024;
  const rss: Record<string, { put1g: number; get1g: number }> = {};
  for (const [option, name] of [['single', hugeSingle], ['standard', 'huge-object']] as const) {
    note(`${opts.hugeMiB} MiB PUT and GET, ${option}: the agents' peak RSS`);
    const url = objectUrl(a1, `bench-${option}`, name);
    const put1g = await peakRssMb(pids, async () => {
      await stream('put', url, auth(m), huge);
      if (option === 'standard') await waitCreated(m, 'bench-standard', name);
    });
    const get1g = await peakRssMb(pids, () => stream('get', url, auth(m), huge));
    rss[option] = { put1g, get1g };
    await expectOk('delete', call('DELETE', url, auth(m)));
  }

  note('preparing the 4 KiB objects and files to read');
  const held = await namesHeldBy(m, 'bench-single', a1.name, opts.objects, 'g4k');
  const standardNames = Array.from({ length: opts.objects }, (_, i) => `s4k-${i}`);
  await putNames(m, 'bench-standard', standardNames);
  await waitCreated(m, 'bench-standard', standardNames[standardNames.length - 1]);
  const baseDir = join(root, 'baseline');
  mkdirSync(join(baseDir, 'read'), { recursive: true });
  const baseFiles = Array.from({ length: opts.objects }, (_, i) => join(baseDir, 'read', `f${i}`));
  for (const f of baseFiles) writeFileSync(f, Buffer.alloc(KIB4, 7));
  const refNames = Array.from({ length: opts.objects }, (_, i) => `r4k-${i}`);
  await mapLimited(refNames, 8, async (n) => void (await expectOk('reference put', call('PUT', `${reference.url}/${n}`, {}, Buffer.alloc(KIB4, 7)))));
  if (swift) await swift.prepare(opts.objects);

  const small = (op: SmallWorkload['op'], targets: string[], headers?: Record<string, string>): SmallWorkload => ({
    kind: 'small',
    op,
    targets,
    headers,
    size: KIB4,
    concurrency: opts.concurrency,
    warmupMs: opts.warmupSeconds * 1000,
    durationMs: opts.durationSeconds * 1000,
  });
  const smallWorkloads: [string, SmallWorkload][] = [
    ['baseline.put4k', small('write', [join(baseDir, 'small')])],
    ['baseline.get4k', small('read', baseFiles)],
    ['reference.put4k', small('put', [`${reference.url}/p4k-`])],
    ['reference.get4k', small('get', refNames.map((n) => `${reference.url}/${n}`))],
    ['single.put4k', small('put', [objectUrl(a1, 'bench-single', 'p4k-')], auth(m))],
    ['single.get4k', small('get', held.map((n) => objectUrl(a1, 'bench-single', n)), auth(m))],
    ['single.get4kPeer', small('get', held.map((n) => objectUrl(a2, 'bench-single', n)), auth(m))],
    ['standard.put4k', small('put', [objectUrl(a1, 'bench-standard', 'p4k-')], auth(m))],
    ['standard.get4k', small('get', standardNames.map((n) => objectUrl(a1, 'bench-standard', n)), auth(m))],
  ];
  if (swift) {
    const sw = swift;
    smallWorkloads.push(['swift.put4k', small('put', [sw.objectUrl('p4k-')], sw.headers)]);
    smallWorkloads.push(['swift.get4k', small('get', sw.smallNames.map((n) => sw.objectUrl(n)), sw.headers)]);
  }
  if (s3Key) {
    // The same containers through the S3 door: a bucket is the key owner's container.
    const signed = (w: SmallWorkload, key: S3Credentials): SmallWorkload => ({ ...w, s3: key });
    const s3Url = (agent: BenchAgent, bucket: string, name: string) => `${agent.s3Url}/${bucket}/${name}`;
    smallWorkloads.push(
      ['s3single.put4k', signed(small('put', [s3Url(a1, 'bench-single', 's3p4k-')]), s3Key)],
      ['s3single.get4k', signed(small('get', held.map((n) => s3Url(a1, 'bench-single', n))), s3Key)],
      ['s3single.get4kPeer', signed(small('get', held.map((n) => s3Url(a2, 'bench-single', n))), s3Key)],
      ['s3standard.put4k', signed(small('put', [s3Url(a1, 'bench-standard', 's3p4k-')]), s3Key)],
      ['s3standard.get4k', signed(small('get', standardNames.map((n) => s3Url(a1, 'bench-standard', n))), s3Key)],
    );
    if (swift) {
      const { endpoint, bucket, ...key } = swift.s3;
      smallWorkloads.push(
        ['swiftS3.put4k', signed(small('put', [`${endpoint}/${bucket}/s3p4k-`]), key)],
        ['swiftS3.get4k', signed(small('get', swift.smallNames.map((n) => `${endpoint}/${bucket}/${n}`)), key)],
      );
    }
  }
  // Rounds: every workload once per round, so that a slow spell of the machine hits all of them alike.
  const smallRuns = new Map<string, SmallResult[]>();
  for (let run = 1; run <= opts.runs; run++) {
    for (const [name, w] of smallWorkloads) {
      const r = await load.run(w);
      note(`run ${run}/${opts.runs}: ${name.padEnd(17)} ${r.opsPerSec.toFixed(0).padStart(6)} ops/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  (${r.ops} ops in ${r.seconds.toFixed(2)} s)`);
      smallRuns.set(name, [...(smallRuns.get(name) ?? []), r]);
      // Let W2 writes finish their third replica (and the disk settle) before the next workload.
      await sleep(name.includes('put') ? 1000 : 200);
    }
  }

  const bigRuns = new Map<string, StreamResult[]>();
  const record = (name: string, r: StreamResult) => {
    note(`  ${name.padEnd(17)} ${r.mibPerSec.toFixed(0).padStart(6)} MiB/s`);
    bigRuns.set(name, [...(bigRuns.get(name) ?? []), r]);
  };
  const bigStandard = 'big-object';
  // A GET right after its PUT reads the page cache (memory, 5-8 GB/s here); the "cold" GET
  // before it reads the disk: every large file of the run is evicted from the cache first.
  let coldSkipped: string | undefined;
  const cold = async (name: string, read: () => Promise<StreamResult>) => {
    if (coldSkipped) return;
    if (!evictFromPageCache(largeFilesUnder(root, big / 2))) {
      coldSkipped = 'dd iflag=nocache failed (GNU coreutils dd is needed to evict files from the page cache)';
      note(`cold-cache GETs skipped: ${coldSkipped}`);
      return;
    }
    record(name, await read());
  };
  for (let run = 1; run <= opts.runs; run++) {
    note(`run ${run}/${opts.runs}: ${opts.bigMiB} MiB streams`);
    record('baseline.put256m', await stream('write', join(baseDir, 'big.bin')));
    await cold('baseline.get256mCold', () => stream('read', join(baseDir, 'big.bin')));
    record('baseline.get256m', await stream('read', join(baseDir, 'big.bin')));
    record('reference.put256m', await stream('put', `${reference.url}/big-object`));
    await cold('reference.get256mCold', () => stream('get', `${reference.url}/big-object`));
    record('reference.get256m', await stream('get', `${reference.url}/big-object`));
    record('single.put256m', await stream('put', objectUrl(a1, 'bench-single', bigSingle), auth(m)));
    await cold('single.get256mCold', () => stream('get', objectUrl(a1, 'bench-single', bigSingle), auth(m)));
    record('single.get256m', await stream('get', objectUrl(a1, 'bench-single', bigSingle), auth(m)));
    record('standard.put256m', await stream('put', objectUrl(a1, 'bench-standard', bigStandard), auth(m)));
    await waitCreated(m, 'bench-standard', bigStandard);
    await cold('standard.get256mCold', () => stream('get', objectUrl(a1, 'bench-standard', bigStandard), auth(m)));
    record('standard.get256m', await stream('get', objectUrl(a1, 'bench-standard', bigStandard), auth(m)));
    if (swift) {
      record('swift.put256m', await stream('put', swift.objectUrl('big-object'), swift.headers));
      await cold('swift.get256mCold', () => stream('get', swift.objectUrl('big-object'), swift.headers));
      record('swift.get256m', await stream('get', swift.objectUrl('big-object'), swift.headers));
    }
    if (s3Key) {
      const s3Stream = (op: 'put' | 'get', url: string, key: S3Credentials, payload = opts.s3Payload) => load.run({ kind: 'stream', op, target: url, s3: { ...key, payload }, size: big });
      record('s3single.put256m', await s3Stream('put', `${a1.s3Url}/bench-single/${bigSingle}`, s3Key));
      record('s3single.get256m', await s3Stream('get', `${a1.s3Url}/bench-single/${bigSingle}`, s3Key));
      record('s3standard.put256m', await s3Stream('put', `${a1.s3Url}/bench-standard/${bigStandard}`, s3Key));
      await waitCreated(m, 'bench-standard', bigStandard);
      record('s3standard.get256m', await s3Stream('get', `${a1.s3Url}/bench-standard/${bigStandard}`, s3Key));
      if (swift) {
        // Swift 2.30's s3api refuses aws-chunked (501): unsigned payload there.
        const { endpoint, bucket, ...key } = swift.s3;
        record('swiftS3.put256m', await s3Stream('put', `${endpoint}/${bucket}/big-object`, key, 'unsigned'));
        record('swiftS3.get256m', await s3Stream('get', `${endpoint}/${bucket}/big-object`, key));
      }
    }
  }
  let multipart: DataBenchReport['multipart'];
  if (s3Key) {
    const mpu = { sizeMiB: opts.mpuMiB, partMiB: opts.mpuPartMiB, queues: opts.mpuQueues, runs: opts.runs, note };
    note(`${opts.mpuMiB} MiB multipart through S3: lib-storage, ${opts.mpuPartMiB} MiB parts, ${opts.mpuQueues.join(' and ')} in flight, round-robin over ${cluster.agents.length} agents`);
    const mcosMpu = await measureMultipart(
      { label: 'MCOS', endpoints: cluster.agents.map((a) => a.s3Url!), bucket: 'bench-standard', key: s3Key },
      { ...mpu, rss: (work) => peakRssMb(pids, work) },
    );
    const swiftMpu = swift ? await measureMultipart({ label: 'Swift s3api', endpoints: [swift.s3.endpoint], bucket: swift.s3.bucket, key: { accessKeyId: swift.s3.accessKeyId, secretAccessKey: swift.s3.secretAccessKey } }, mpu) : null;
    multipart = { mcos: mcosMpu, swift: swiftMpu, ...multipartTargetsOf(mcosMpu, swiftMpu) };
  }
  rmSync(join(baseDir, 'big.bin'), { force: true });
  rmSync(join(root, 'reference', 'objects', 'big-object'), { force: true });
  await expectOk('delete', call('DELETE', objectUrl(a1, 'bench-single', bigSingle), auth(m)));
  await expectOk('delete', call('DELETE', objectUrl(a1, 'bench-standard', bigStandard), auth(m)));
  if (swift) await swift.remove('big-object');
  const rssAfterMb = Math.max(...pids.map((pid) => statusKb(pid, 'VmRSS'))) / 1024;

  const figures = (system: string, rssPeakMb: SystemFigures['rssPeakMb'], peer = true): SystemFigures => ({
    put4k: medianSmall(smallRuns.get(`${system}.put4k`)!),
    get4k: medianSmall(smallRuns.get(`${system}.get4k`)!),
    ...(peer ? { get4kPeer: smallRuns.has(`${system}.get4kPeer`) ? medianSmall(smallRuns.get(`${system}.get4kPeer`)!) : null } : {}),
    put256m: medianStream(bigRuns.get(`${system}.put256m`)!),
    get256m: medianStream(bigRuns.get(`${system}.get256m`)!),
    get256mCold: bigRuns.has(`${system}.get256mCold`) ? medianStream(bigRuns.get(`${system}.get256mCold`)!) : null,
    rssPeakMb,
  });
  const partial = {
    single: figures('single', rss.single),
    standard: figures('standard', rss.standard),
    baseline: figures('baseline', null, false),
    reference: figures('reference', null, false),
    ...(opts.vsSwift ? { swift: swift ? figures('swift', null, false) : null } : {}),
  };
  const ratios = ratiosOf(partial);
  let s3Figures: DataBenchReport['s3'];
  if (s3Key) {
    const s3Parts = { single: figures('s3single', null), standard: figures('s3standard', null), swift: swift ? figures('swiftS3', null, false) : null };
    const s3Ratios = s3RatiosOf(partial, s3Parts);
    s3Figures = { ...s3Parts, payload: opts.s3Payload, ratios: s3Ratios, targets: s3TargetsOf(s3Ratios, swift !== undefined) };
  }
  return {
    ...partial,
    ...(s3Figures ? { s3: s3Figures } : {}),
    ...(multipart ? { multipart } : {}),
    ...(swiftSkipped ? { swiftSkipped } : {}),
    ...(coldSkipped ? { coldSkipped } : {}),
    ratios,
    targets: targetsOf({ ...partial, ratios }, opts),
    agentRssMb: { idleAtStart: idleMb, beforeTransfers: beforeMb, afterWorkloads: rssAfterMb },
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      os: `${process.platform} ${release()}`,
      memoryGb: Math.round(totalmem() / 2 ** 30),
    },
    params: { ...opts, tmpDir: tmpdir(), cluster: 'controller + 3 agents, fs backends, one disk' },
  };
}

main().catch((err: unknown) => {
  // After Ctrl-C the children are gone and the run fails on purpose: the cleanup then exits with 130.
  if (interrupted) return;
  process.stderr.write(`bench:data failed: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
