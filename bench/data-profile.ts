/**
 * Summarises the agents' CPU profiles of `bench:data -- --cpu-prof DIR`:
 *
 *   node dist/bench/data-profile.js DIR [--top N] [--after S]
 *
 * For each .cpuprofile: the share of busy time by package (or MCOS source
 * folder), the functions with the most self time, and the MCOS functions
 * with the most total time (self + callees) — a flame graph in words. Idle
 * time is left out of the shares; `--after S` skips each profile's first S
 * seconds (start-up).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: an npm package, an MCOS folder, Node itself, or V8's own buckets. */
function placeOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/dist\/((?:apps|libs)\/[^/]+\/src\/[^/]+)/.exec(url);
  if (own) return own[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url;
}

const frameName = (f: ProfileNode['callFrame']) =>
  `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}` : ''}`;

function summarise(file: string, top: number, afterUs: number): string[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  const inclusive = new Map<string, number>();
  let at = 0;
  p.samples.forEach((id, i) => {
    at += p.timeDeltas[i] ?? 0;
    if (at < afterUs) return;
    const us = p.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + us);
    if (byId.get(id)!.callFrame.functionName === '(idle)') return;
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const f = byId.get(n)!.callFrame;
      if (!/\/dist\/(apps|libs)\//.test(f.url)) continue;
      const key = frameName(f);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  });
  let total = 0;
  let idle = 0;
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    total += us;
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const place = placeOf(f.url, f.functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    const fn = frameName(f);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)} %)`,
    '  self time by place:',
    ...sorted(byPlace).map(([k, us]) => `    ${pct(us)}  ${k}`),
    '  functions with the most self time:',
    ...sorted(byFunction).map(([k, us]) => `    ${pct(us)}  ${k}`),
    '  MCOS functions with the most total time (self + callees):',
    ...sorted(inclusive).map(([k, us]) => `    ${pct(us)}  ${k}`),
  ];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, after: { type: 'string', default: '0' } } });
const dir = positionals[0];
if (!dir) {
  process.stderr.write('usage: node dist/bench/data-profile.js DIR [--top N] [--after S]\n');
  process.exit(2);
}
for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  console.log(summarise(join(dir, name), Number(values.top), Number(values.after) * 1e6).join('\n'));
  console.log();
}
