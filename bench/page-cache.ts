import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Evicts files from the page cache, so that the next read comes from the
 * disk: GNU dd's `iflag=nocache count=0` asks the kernel to drop a whole
 * file's cached pages (posix_fadvise DONTNEED), one file at a time — unlike
 * /proc/sys/vm/drop_caches it touches nothing else on a shared machine.
 * Dirty pages cannot be dropped, so the files must have been fsynced (every
 * writer in the bench does). Returns false when it cannot be done here: dd
 * fails, or the pages stay (tmpfs keeps files in memory), where fincore(1)
 * can tell.
 */
export function evictFromPageCache(files: string[]): boolean {
  for (const file of files) {
    const r = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) return false;
    const left = residentBytes(file);
    if (left !== undefined && left > 0) return false;
  }
  return true;
}

/** Files of at least `minBytes` under `dir` (recursively): the large objects of every system in the bench. */
export function largeFilesUnder(dir: string, minBytes: number): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return; // vanished meanwhile (a temp dir)
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try {
          if (statSync(p).size >= minBytes) out.push(p);
        } catch {
          // vanished meanwhile
        }
      }
    }
  };
  walk(dir);
  return out;
}

/** Resident pages of a file, from the kernel (fincore(1)); undefined when fincore is missing. */
export function residentBytes(file: string): number | undefined {
  const r = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return Number(r.stdout.trim());
}
