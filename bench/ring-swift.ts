import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RingService } from '@mcos/ring';

export interface SwiftFigures {
  buildSeconds: number | null;
  rebalanceSeconds: number | null;
  movedRatio: number | null;
  /** After the initial build. */
  balancePercent: number | null;
  /** After the +1 service rebalance (Swift moves gradually: rebalance again later). */
  rebalanceBalancePercent: number | null;
  dispersionPercent: number | null;
  moved: number | null;
}

const PYTHON = '/usr/bin/python3'; // Debian's: a pyenv python on PATH lacks the swift module

/** Path of swift-ring-builder when it is on PATH. */
export function findSwiftRingBuilder(): string | undefined {
  const which = spawnSync('which', ['swift-ring-builder'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

/**
 * Builds `services` with Swift (region-k becomes rk+1, one zone each), then
 * adds `added` and rebalances; times both (each command includes a Python
 * start-up, as an operator would pay it) and reads both builders' tables.
 * `idealShare` is the added service's ideal partition-replica count.
 */
export function runSwift(
  builder: string,
  services: RingService[],
  added: RingService,
  power: number,
  replicas: number,
  idealShare: number,
): SwiftFigures {
  const dir = mkdtempSync(join(tmpdir(), 'swift-ring-'));
  const file = join(dir, 'object.builder');
  const regions = [...new Set([...services, added].map((s) => s.region))].sort();
  const device = (s: RingService, i: number): string[] => [`r${regions.indexOf(s.region) + 1}z1-127.0.0.1:6200/d${i}`, String(s.weight)];
  const tool = (...args: string[]): number => {
    const started = process.hrtime.bigint();
    const run = spawnSync(PYTHON, [builder, file, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.status !== 0 && run.status !== 1) throw new Error(`swift-ring-builder ${args[0]} failed: ${run.stderr || run.stdout}`);
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  try {
    const buildSeconds =
      tool('create', String(power), String(replicas), '0') + tool('add', ...services.flatMap(device)) + tool('rebalance');
    copyFileSync(file, join(dir, 'before.builder'));
    tool('pretend_min_part_hours_passed');
    const rebalanceSeconds = tool('add', ...device(added, services.length)) + tool('rebalance');
    const stats = readStats(join(dir, 'before.builder'), file);
    return {
      buildSeconds,
      rebalanceSeconds,
      movedRatio: stats.moved === null ? null : stats.moved / idealShare,
      balancePercent: stats.buildBalance,
      rebalanceBalancePercent: stats.balance,
      dispersionPercent: stats.dispersion,
      moved: stats.moved,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface SwiftStats {
  buildBalance: number | null;
  balance: number | null;
  moved: number | null;
  dispersion: number | null;
}

/** Nulls when Swift's builder internals cannot be read. */
function readStats(before: string, after: string): SwiftStats {
  const run = spawnSync(PYTHON, ['-c', COMPARE, before, after], { encoding: 'utf8', maxBuffer: 64 << 20 });
  try {
    return JSON.parse(run.stdout) as SwiftStats;
  } catch {
    return { buildBalance: null, balance: null, moved: null, dispersion: null };
  }
}

/** Moved partition-replicas, balance and region dispersion (our definition). */
const COMPARE = `
import json, sys
from swift.common.ring import RingBuilder
before, after = RingBuilder.load(sys.argv[1]), RingBuilder.load(sys.argv[2])
rows_b, rows_a = before._replica2part2dev, after._replica2part2dev
moved = 0
for p in range(after.parts):
    old = set(row[p] for row in rows_b)
    moved += sum(1 for row in rows_a if row[p] not in old)
regions = [d['region'] if d else None for d in after.devs]
wanted = min(len(rows_a), len(set(d['region'] for d in after.devs if d and d['weight'] > 0)))
spread = sum(1 for p in range(after.parts) if len(set(regions[row[p]] for row in rows_a)) >= wanted)
print(json.dumps({'buildBalance': before.get_balance(), 'balance': after.get_balance(), 'moved': moved, 'dispersion': 100.0 * spread / after.parts}))
`;
