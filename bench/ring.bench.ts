/**
 * Ring benchmark: `npm run bench:ring [-- --json] [-- --vs-swift]`.
 * P=18, R=3, 100 services in 5 regions with weights 1-4x (seeded): build,
 * rebalance after adding a service, lookups, serialisation; the same with
 * one region holding half the weight; optionally Swift's ring builder.
 */
import { cpus } from 'node:os';
import { buildRing, Ring, type RingService } from '@mcos/ring';
import { makeCluster } from './ring-cluster';
import { findSwiftRingBuilder, runSwift, type SwiftFigures } from './ring-swift';

const POWER = 18;
const REPLICAS = 3;
const ADDED: RingService = { id: 'svc-new', region: 'region-2', weight: 2.5 };

function timed<T>(work: () => T): [T, number] {
  const started = process.hrtime.bigint();
  const result = work();
  return [result, Number(process.hrtime.bigint() - started) / 1e9];
}

/** Build from scratch, then add one service and rebalance. */
function scenario(services: RingService[]) {
  const input = { option: 'standard', createdAt: 0, replicas: REPLICAS, partitionPower: POWER };
  const [first, buildSeconds] = timed(() => buildRing({ ...input, version: 1, services }));
  const [second, rebalanceSeconds] = timed(() =>
    buildRing({ ...input, version: 2, services: [...services, ADDED], previous: first.ring }),
  );
  const idealShare = second.report.shares.find((s) => s.id === ADDED.id)?.ideal ?? NaN;
  return {
    ring: second.ring,
    idealShare,
    buildSeconds,
    rebalanceSeconds,
    moved: second.report.moved,
    minimumMoves: second.report.minimumMoves,
    movedRatio: second.report.moved / idealShare,
    remainingMoves: second.report.remainingMoves,
    buildBalancePercent: first.report.balancePercent,
    rebalanceBalancePercent: second.report.balancePercent,
    balancePercent: Math.max(first.report.balancePercent, second.report.balancePercent),
    rawBalancePercent: Math.max(first.report.rawBalancePercent, second.report.rawBalancePercent),
    dispersionPercent: Math.min(first.report.dispersionPercent, second.report.dispersionPercent),
  };
}

/** partitionOf + primaries(out) over precomputed names, single thread. */
function lookupsPerSecond(ring: Ring, budgetSeconds: number): number {
  const count = 1 << 16;
  const accounts = Array.from({ length: count }, (_, i) => `acct-${i % 97}`);
  const containers = Array.from({ length: count }, (_, i) => `photos-${i % 13}`);
  const objects = Array.from({ length: count }, (_, i) => `2024/05/${i}/img-${i * 7919}.jpg`);
  const out = new Uint16Array(REPLICAS);
  let sink = 0;
  let done = 0;
  let elapsed = 0;
  const started = process.hrtime.bigint();
  while (elapsed < budgetSeconds) {
    for (let i = 0; i < count; i++) sink ^= ring.primaries(ring.partitionOf(accounts[i], containers[i], objects[i]), out)[0];
    done += count;
    elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  }
  if (sink < 0) console.log(sink); // keeps the work observable
  return done / elapsed;
}

function measure(vsSwift: boolean) {
  const services = makeCluster(42, 100, 5);
  const equal = scenario(services);
  const unequal = scenario(makeCluster(42, 100, 5, (region) => (region === 0 ? 4 : 1)));
  const bytes = equal.ring.serialize();
  const loads = Array.from({ length: 5 }, () => timed(() => Ring.deserialize(bytes))[1]).sort((a, b) => a - b);
  const swiftPath = vsSwift ? findSwiftRingBuilder() : undefined;
  const swift: SwiftFigures | undefined = swiftPath
    ? runSwift(swiftPath, services, ADDED, POWER, REPLICAS, equal.idealShare)
    : undefined;
  return {
    buildSeconds: equal.buildSeconds,
    rebalanceSeconds: equal.rebalanceSeconds,
    movedRatio: equal.movedRatio,
    moved: equal.moved,
    minimumMoves: equal.minimumMoves,
    newServiceIdealShare: equal.idealShare,
    remainingMoves: equal.remainingMoves,
    balancePercent: equal.balancePercent,
    buildBalancePercent: equal.buildBalancePercent,
    rebalanceBalancePercent: equal.rebalanceBalancePercent,
    rawBalancePercent: equal.rawBalancePercent,
    dispersionPercent: equal.dispersionPercent,
    lookupsPerSecond: lookupsPerSecond(equal.ring, 2.5),
    serializedBytes: bytes.length,
    loadSeconds: loads[2],
    unequalRegions: {
      description: 'region-0 holds 50% of the weight, capped at 1/R of the replicas',
      buildSeconds: unequal.buildSeconds,
      rebalanceSeconds: unequal.rebalanceSeconds,
      movedRatio: unequal.movedRatio,
      balancePercent: unequal.balancePercent,
      rawBalancePercent: unequal.rawBalancePercent,
      dispersionPercent: unequal.dispersionPercent,
    },
    swift: swift ?? null,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    setup: { partitionPower: POWER, replicas: REPLICAS, services: services.length, regions: 5 },
  };
}

type Result = ReturnType<typeof measure>;

function printTable(r: Result): void {
  const fmt = (v: number | null | undefined, digits = 3): string =>
    v === null || v === undefined ? 'n/a' : v.toLocaleString('en-US', { maximumFractionDigits: digits });
  const s = r.swift;
  const rows: [string, number, string, number | null | undefined][] = [
    ['build (s)', r.buildSeconds, '<= 1', s?.buildSeconds],
    ['rebalance, +1 service (s)', r.rebalanceSeconds, '<= 1', s?.rebalanceSeconds],
    ['moved / new service ideal', r.movedRatio, '<= 1.05', s?.movedRatio],
    ['balance after build (%)', r.buildBalancePercent, '<= 1', s?.balancePercent],
    ['balance after rebalance (%)', r.rebalanceBalancePercent, '<= 1', s?.rebalanceBalancePercent],
    ['dispersion (%)', r.dispersionPercent, '100', s?.dispersionPercent],
    ['lookups / s', r.lookupsPerSecond, '>= 2,000,000', undefined],
    ['serialised bytes', r.serializedBytes, '', undefined],
    ['load (s)', r.loadSeconds, '', undefined],
    ['unequal regions: build (s)', r.unequalRegions.buildSeconds, '<= 1', undefined],
    ['unequal regions: rebalance (s)', r.unequalRegions.rebalanceSeconds, '<= 1', undefined],
    ['unequal regions: moved / ideal', r.unequalRegions.movedRatio, '<= 1.05', undefined],
    ['unequal regions: balance (%)', r.unequalRegions.balancePercent, '<= 1', undefined],
    ['unequal regions: vs raw weights (%)', r.unequalRegions.rawBalancePercent, '', undefined],
    ['unequal regions: dispersion (%)', r.unequalRegions.dispersionPercent, '100', undefined],
  ];
  const header = ['metric', 'mcos', 'target', ...(s ? ['swift', 'swift / mcos'] : [])];
  const lines = rows.map(([name, ours, target, theirs]) => [
    name,
    fmt(ours),
    target,
    ...(s ? [theirs === undefined ? '' : fmt(theirs), theirs == null || !ours ? '' : `${fmt(theirs / ours, 2)}x`] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  console.log(`ring bench: P=${POWER}, R=${REPLICAS}, 100 services in 5 regions, weights 1-4x; ${r.machine.cpu}, node ${r.machine.node}\n`);
  for (const line of [header, widths.map((w) => '-'.repeat(w)), ...lines]) {
    console.log(line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  }
  console.log(`\nadding one service moved ${r.moved} partition-replicas; its ideal share is ${fmt(r.newServiceIdealShare, 1)}, the count-based minimum ${r.minimumMoves}`);
}

const json = process.argv.includes('--json');
const vsSwift = process.argv.includes('--vs-swift');
const result = measure(vsSwift);
if (json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  printTable(result);
  if (vsSwift && !result.swift) console.log('\nSwift comparison skipped: swift-ring-builder is not on PATH (apt-get install -y swift).');
}
