/** The data benchmark's figures: the JSON document, the targets, and the table. */
import type { SmallResult, StreamResult } from './data-load';
import type { MultipartFigures } from './data-s3-multipart';
import type { S3Figures } from './data-s3-report';

export interface SmallFigures {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface SystemFigures {
  put4k: SmallFigures;
  get4k: SmallFigures;
  /** 4 KiB GET at an agent that holds no replica (it fetches from a peer); null where every agent holds one. */
  get4kPeer?: SmallFigures | null;
  put256m: { mibPerSec: number };
  get256m: { mibPerSec: number };
  /** The same GET with the object's files evicted from the page cache first (read from the disk); null when that cannot be done here. */
  get256mCold: { mibPerSec: number } | null;
  rssPeakMb: { put1g: number; get1g: number } | null;
}

export interface Target {
  name: string;
  value: number | null;
  goal: string;
  met: boolean | null;
  note?: string;
}

interface Measured {
  single: SystemFigures;
  standard: SystemFigures;
  /** Raw fs in the load generator's process: the machine's limit. */
  baseline: SystemFigures;
  /** A minimal node:http file server (data-reference-server.ts): the cost of HTTP in Node here. */
  reference: SystemFigures;
  swift?: SystemFigures | null;
}

export interface DataBenchReport extends Measured {
  /** `--api s3`: the same workloads through the S3 door (and Swift's s3api). */
  s3?: S3Figures;
  /** `--api s3`: one big multipart upload and ranged download (issue 15), MCOS and Swift s3api. */
  multipart?: { mcos: MultipartFigures; swift: MultipartFigures | null; ratios: Record<string, number | null>; targets: Target[] };
  swiftSkipped?: string;
  coldSkipped?: string;
  ratios: Record<string, number | null>;
  targets: Target[];
  agentRssMb: { idleAtStart: number; beforeTransfers: number; afterWorkloads: number };
  machine: { cpu: string; cores: number; node: string; os: string; memoryGb: number };
  params: { concurrency: number; runs: number; durationSeconds: number; bigMiB: number; hugeMiB: number; tmpDir: string } & Record<string, unknown>;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median of each figure over the runs (each figure on its own). */
export function medianSmall(runs: SmallResult[]): SmallFigures {
  return {
    opsPerSec: median(runs.map((r) => r.opsPerSec)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
  };
}

export function medianStream(runs: StreamResult[]): { mibPerSec: number } {
  return { mibPerSec: median(runs.map((r) => r.mibPerSec)) };
}

const div = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || !b ? null : a / b);

/**
 * Every figure against the raw fs baseline (writes of R3 on one disk against
 * baseline ÷ 3), MCOS against the node:http reference, and single against Swift.
 */
export function ratiosOf(r: Measured): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const systems = [['single', r.single, 1], ['standard', r.standard, 3], ['reference', r.reference, 1], ['swift', r.swift, 1]] as const;
  for (const [name, s, writeShare] of systems) {
    if (!s) continue;
    for (const [against, b] of [['baseline', r.baseline], ...(name === 'single' || name === 'standard' ? [['reference', r.reference] as const] : [])] as const) {
      out[`${name}.put4k/${against}`] = div(s.put4k.opsPerSec, b.put4k.opsPerSec / writeShare);
      out[`${name}.get4k/${against}`] = div(s.get4k.opsPerSec, b.get4k.opsPerSec);
      if (s.get4kPeer) out[`${name}.get4kPeer/${against}`] = div(s.get4kPeer.opsPerSec, b.get4k.opsPerSec);
      out[`${name}.put256m/${against}`] = div(s.put256m.mibPerSec, b.put256m.mibPerSec / writeShare);
      out[`${name}.get256m/${against}`] = div(s.get256m.mibPerSec, b.get256m.mibPerSec);
      out[`${name}.get256mCold/${against}`] = div(s.get256mCold?.mibPerSec, b.get256mCold?.mibPerSec);
    }
  }
  const w = r.swift;
  if (w) {
    out['single.put4k/swift'] = div(r.single.put4k.opsPerSec, w.put4k.opsPerSec);
    out['single.get4k/swift'] = div(r.single.get4k.opsPerSec, w.get4k.opsPerSec);
    out['single.get4kPeer/swift'] = div(r.single.get4kPeer?.opsPerSec, w.get4k.opsPerSec);
    out['single.put256m/swift'] = div(r.single.put256m.mibPerSec, w.put256m.mibPerSec);
    out['single.get256m/swift'] = div(r.single.get256m.mibPerSec, w.get256m.mibPerSec);
    out['single.get256mCold/swift'] = div(r.single.get256mCold?.mibPerSec, w.get256mCold?.mibPerSec);
  }
  return out;
}

/** The issue's targets, each met / missed / not measured (null). */
export function targetsOf(r: Measured & { ratios: Record<string, number | null> }, sizes: { bigMiB: number; hugeMiB: number }): Target[] {
  const at = (name: string, value: number | null | undefined, min: number, goal: string, note?: string): Target => ({
    name,
    value: value ?? null,
    goal,
    met: value === null || value === undefined ? null : value >= min,
    note,
  });
  const noSwift = r.swift ? undefined : 'needs --vs-swift and a running Swift';
  const big = `${sizes.bigMiB} MiB`;
  const t: Target[] = [
    at('4 KiB PUT single / Swift', r.ratios['single.put4k/swift'], 2, '>= 2x', noSwift),
    at('4 KiB GET single at holder / Swift', r.ratios['single.get4k/swift'], 2, '>= 2x', noSwift),
    at('4 KiB GET single via peer / Swift', r.ratios['single.get4kPeer/swift'], 2, '>= 2x', noSwift),
    at(`${big} GET single / raw read`, r.ratios['single.get256m/baseline'], 0.8, '>= 0.8x'),
    at(`${big} GET standard / raw read`, r.ratios['standard.get256m/baseline'], 0.8, '>= 0.8x'),
    at(`${big} PUT single / raw write`, r.ratios['single.put256m/baseline'], 0.8, '>= 0.8x'),
    at(`${big} PUT standard / (raw write / 3)`, r.ratios['standard.put256m/baseline'], 0.7, '>= 0.7x'),
  ];
  const tails: [string, SmallFigures | null | undefined][] = [
    ['single at holder', r.single.get4k],
    ['single via peer', r.single.get4kPeer],
    ['standard', r.standard.get4k],
  ];
  for (const [name, f] of tails) {
    if (!f) continue;
    const ratio = f.p99Ms / f.p50Ms;
    t.push({ name: `4 KiB GET ${name}: p99 / p50`, value: ratio, goal: '<= 4x', met: ratio <= 4 });
  }
  for (const [name, s] of [['single', r.single], ['standard', r.standard]] as const) {
    if (!s.rssPeakMb) continue;
    for (const [op, mb] of [['PUT', s.rssPeakMb.put1g], ['GET', s.rssPeakMb.get1g]] as const) {
      t.push({ name: `agents' peak RSS, ${sizes.hugeMiB} MiB ${op} ${name} (MB)`, value: mb, goal: '< 200', met: mb < 200 });
    }
  }
  return t;
}

const num = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const times = (v: number | null | undefined): string => (v === null || v === undefined ? '' : ` (${num(v, 2)}x)`);

/** The human-readable table. */
export function printTable(r: DataBenchReport, log: (line: string) => void = console.log): void {
  const p = r.params;
  log(`data bench: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB, node ${r.machine.node}, ${r.machine.os}`);
  log(
    `${p.concurrency} in flight, median of ${p.runs} runs x ${p.durationSeconds} s per 4 KiB workload, ` +
      `${p.bigMiB} MiB and ${p.hugeMiB} MiB objects (one stream), controller + 3 fs agents on ${p.tmpDir}` +
      (p.md5Worker ? ', MD5 of large bodies on a worker thread (--md5-worker)' : ''),
  );
  log('(x) = ratio to the raw fs baseline of the same run; writes of standard (R3, one disk) against raw / 3\n');
  const swift = r.swift;
  const header = ['workload', 'single', 'standard', 'raw fs', 'node:http ref', ...(swift ? ['swift', 'single/swift'] : [])];
  const rows: string[][] = [];
  const cell = (s: SystemFigures, name: string, get: (s: SystemFigures) => number | null | undefined, key: string, digits: number) =>
    `${num(get(s), digits)}${times(r.ratios[`${name}.${key}/baseline`])}`;
  const row = (label: string, key: string, get: (s: SystemFigures) => number | null | undefined, digits = 0) =>
    rows.push([
      label,
      cell(r.single, 'single', get, key, digits),
      cell(r.standard, 'standard', get, key, digits),
      num(get(r.baseline), digits),
      cell(r.reference, 'reference', get, key, digits),
      ...(swift ? [num(get(swift), digits), r.ratios[`single.${key}/swift`] != null ? `${num(r.ratios[`single.${key}/swift`], 2)}x` : ''] : []),
    ]);
  const lat = (f: SmallFigures | null | undefined) => (f ? `${num(f.p50Ms, 2)} / ${num(f.p99Ms, 2)}` : 'n/a');
  const latRow = (label: string, get: (s: SystemFigures) => SmallFigures | null | undefined) =>
    rows.push([label, lat(get(r.single)), lat(get(r.standard)), lat(get(r.baseline)), lat(get(r.reference)), ...(swift ? [lat(get(swift)), ''] : [])]);
  row('4 KiB PUT ops/s', 'put4k', (s) => s.put4k.opsPerSec);
  latRow('4 KiB PUT p50 / p99 ms', (s) => s.put4k);
  row('4 KiB GET at holder ops/s', 'get4k', (s) => s.get4k.opsPerSec);
  latRow('4 KiB GET at holder p50 / p99 ms', (s) => s.get4k);
  row('4 KiB GET via peer ops/s', 'get4kPeer', (s) => s.get4kPeer?.opsPerSec);
  latRow('4 KiB GET via peer p50 / p99 ms', (s) => s.get4kPeer);
  row(`${p.bigMiB} MiB PUT MiB/s`, 'put256m', (s) => s.put256m.mibPerSec);
  row(`${p.bigMiB} MiB GET MiB/s`, 'get256m', (s) => s.get256m.mibPerSec);
  row(`${p.bigMiB} MiB GET, cold cache MiB/s`, 'get256mCold', (s) => s.get256mCold?.mibPerSec);
  row(`peak RSS ${p.hugeMiB} MiB PUT MB`, 'none', (s) => s.rssPeakMb?.put1g);
  row(`peak RSS ${p.hugeMiB} MiB GET MB`, 'none', (s) => s.rssPeakMb?.get1g);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((l) => l[i].length)));
  for (const line of [header, widths.map((w) => '-'.repeat(w)), ...rows]) {
    log(line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  }
  log('');
  log('at holder / via peer: the agent asked holds the replica / holds none and streams it from the one that does');
  log('  (standard, R3 on 3 agents, has a replica on every agent). PUTs go to agent 1; the ring places the new names.');
  log('raw fs: temp file + write + fsync + rename + dir fsync, and reads, with Node\'s fs in the load generator.');
  log('node:http ref: a minimal Node HTTP server doing the same fs work (no auth, index, checksums or replicas).');
  log(
    `peak RSS: highest of the 3 agents (VmHWM reset before each transfer, VmRSS sampled every 50 ms), measured first;\n  ` +
      `agents idle after start ${num(r.agentRssMb.idleAtStart)} MB, just before the transfers ${num(r.agentRssMb.beforeTransfers)} MB, ` +
      `after the 4 KiB and ${p.bigMiB} MiB workloads ${num(r.agentRssMb.afterWorkloads)} MB.`,
  );
  log(`cold cache: the GET right before the row above, with the files evicted from the page cache first (read from the disk).`);
  if (r.coldSkipped) log(`cold-cache GETs skipped: ${r.coldSkipped}`);
  if (r.swiftSkipped) log(`Swift comparison skipped: ${r.swiftSkipped}`);
  log('\ntargets');
  for (const t of r.targets) {
    const state = t.met === null ? 'n/a   ' : t.met ? 'met   ' : 'MISSED';
    log(`  [${state}] ${t.name}: ${num(t.value, 2)} (target ${t.goal})${t.note && t.met === null ? ` — ${t.note}` : ''}`);
  }
  if (r.single.get256mCold && r.baseline.get256mCold) {
    log('\ncontext (not a target): the same GETs when both sides read the disk (cold cache)');
    for (const name of ['single', 'standard'] as const) {
      log(`  ${p.bigMiB} MiB GET ${name} / raw read, cold cache: ${num(r.ratios[`${name}.get256mCold/baseline`], 2)}`);
    }
  }
}
