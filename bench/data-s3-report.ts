/** `bench:data -- --api s3`: the S3 door's figures, its ratios and targets (issue 14), and their table. */
import type { SmallFigures, SystemFigures, Target } from './data-report';

export interface S3Figures {
  /** Through the S3 door (SigV4 on every request), the same containers as the /v1 rows. */
  single: SystemFigures;
  standard: SystemFigures;
  /** Swift's own S3 API (s3api) in the same run; null without --vs-swift or Swift. */
  swift: SystemFigures | null;
  /** How 256 MiB PUTs to MCOS were sent: `chunked` (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, 64 KiB chunks) or `unsigned`. */
  payload: 'chunked' | 'unsigned';
  ratios: Record<string, number | null>;
  targets: Target[];
}

const div = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || !b ? null : a / b);

/** S3 against /v1 (the same option, same run) and against Swift's s3api. */
export function s3RatiosOf(v1: { single: SystemFigures; standard: SystemFigures }, s3: Pick<S3Figures, 'single' | 'standard' | 'swift'>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const option of ['single', 'standard'] as const) {
    const a = s3[option];
    const b = v1[option];
    out[`s3.${option}.put4k/v1`] = div(a.put4k.opsPerSec, b.put4k.opsPerSec);
    out[`s3.${option}.get4k/v1`] = div(a.get4k.opsPerSec, b.get4k.opsPerSec);
    if (a.get4kPeer && b.get4kPeer) out[`s3.${option}.get4kPeer/v1`] = div(a.get4kPeer.opsPerSec, b.get4kPeer.opsPerSec);
    out[`s3.${option}.put256m/v1`] = div(a.put256m.mibPerSec, b.put256m.mibPerSec);
    out[`s3.${option}.get256m/v1`] = div(a.get256m.mibPerSec, b.get256m.mibPerSec);
  }
  const w = s3.swift;
  if (w) {
    out['s3.single.put4k/swiftS3'] = div(s3.single.put4k.opsPerSec, w.put4k.opsPerSec);
    out['s3.single.get4k/swiftS3'] = div(s3.single.get4k.opsPerSec, w.get4k.opsPerSec);
    out['s3.single.get4kPeer/swiftS3'] = div(s3.single.get4kPeer?.opsPerSec, w.get4k.opsPerSec);
    out['s3.single.put256m/swiftS3'] = div(s3.single.put256m.mibPerSec, w.put256m.mibPerSec);
    out['s3.single.get256m/swiftS3'] = div(s3.single.get256m.mibPerSec, w.get256m.mibPerSec);
  }
  return out;
}

/** Issue 14's targets: 4 KiB PUT and GET through S3 >= 2x Swift s3api and >= 0.85x MCOS's own /v1. */
export function s3TargetsOf(ratios: Record<string, number | null>, withSwift: boolean): Target[] {
  const at = (name: string, value: number | null | undefined, min: number, goal: string, note?: string): Target => ({
    name,
    value: value ?? null,
    goal,
    met: value === null || value === undefined ? null : value >= min,
    note,
  });
  const noSwift = withSwift ? undefined : 'needs --vs-swift and a running Swift';
  return [
    at('S3: 4 KiB PUT single / Swift s3api', ratios['s3.single.put4k/swiftS3'], 2, '>= 2x', noSwift),
    at('S3: 4 KiB GET single at holder / Swift s3api', ratios['s3.single.get4k/swiftS3'], 2, '>= 2x', noSwift),
    at('S3: 4 KiB PUT single / /v1', ratios['s3.single.put4k/v1'], 0.85, '>= 0.85x'),
    at('S3: 4 KiB GET single at holder / /v1', ratios['s3.single.get4k/v1'], 0.85, '>= 0.85x'),
    at('S3: 4 KiB PUT standard / /v1', ratios['s3.standard.put4k/v1'], 0.85, '>= 0.85x'),
    at('S3: 4 KiB GET standard / /v1', ratios['s3.standard.get4k/v1'], 0.85, '>= 0.85x'),
  ];
}

const num = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The S3 rows: MCOS through S3 (with the ratio to its own /v1 figure) and Swift s3api. */
export function printS3Table(s3: S3Figures, bigMiB: number, log: (line: string) => void = console.log): void {
  const ratio = (key: string) => (s3.ratios[key] == null ? '' : ` (${num(s3.ratios[key], 2)}x)`);
  const header = ['workload through S3 (SigV4)', 'single', 'standard', ...(s3.swift ? ['Swift s3api', 'single/swift'] : [])];
  const rows: string[][] = [];
  const lat = (f: SmallFigures | null | undefined) => (f ? `${num(f.p50Ms, 2)} / ${num(f.p99Ms, 2)}` : 'n/a');
  const row = (label: string, key: string, get: (s: SystemFigures) => number | null | undefined) =>
    rows.push([
      label,
      `${num(get(s3.single))}${ratio(`s3.single.${key}/v1`)}`,
      `${num(get(s3.standard))}${ratio(`s3.standard.${key}/v1`)}`,
      ...(s3.swift ? [num(get(s3.swift)), s3.ratios[`s3.single.${key}/swiftS3`] == null ? '' : `${num(s3.ratios[`s3.single.${key}/swiftS3`], 2)}x`] : []),
    ]);
  const latRow = (label: string, get: (s: SystemFigures) => SmallFigures | null | undefined) =>
    rows.push([label, lat(get(s3.single)), lat(get(s3.standard)), ...(s3.swift ? [lat(get(s3.swift)), ''] : [])]);
  row('4 KiB PUT ops/s', 'put4k', (s) => s.put4k.opsPerSec);
  latRow('4 KiB PUT p50 / p99 ms', (s) => s.put4k);
  row('4 KiB GET at holder ops/s', 'get4k', (s) => s.get4k.opsPerSec);
  latRow('4 KiB GET at holder p50 / p99 ms', (s) => s.get4k);
  row('4 KiB GET via peer ops/s', 'get4kPeer', (s) => s.get4kPeer?.opsPerSec);
  row(`${bigMiB} MiB PUT MiB/s`, 'put256m', (s) => s.put256m.mibPerSec);
  row(`${bigMiB} MiB GET MiB/s`, 'get256m', (s) => s.get256m.mibPerSec);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((l) => l[i].length)));
  log('');
  for (const line of [header, widths.map((w) => '-'.repeat(w)), ...rows]) {
    log(line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  }
  log(
    `(x) = ratio to MCOS's own /v1 figure of the same run. 4 KiB PUTs sign the body's SHA-256, GETs the empty payload; ` +
      `${bigMiB} MiB PUTs to MCOS: ${s3.payload === 'chunked' ? 'aws-chunked, every 64 KiB chunk signed' : 'UNSIGNED-PAYLOAD'}, ` +
      'to Swift s3api: UNSIGNED-PAYLOAD (Swift 2.30 refuses aws-chunked).',
  );
  log('\nS3 targets');
  for (const t of s3.targets) {
    const state = t.met === null ? 'n/a   ' : t.met ? 'met   ' : 'MISSED';
    log(`  [${state}] ${t.name}: ${num(t.value, 2)} (target ${t.goal})${t.note && t.met === null ? ` — ${t.note}` : ''}`);
  }
}
