import { mkdirSync, mkdtempSync, openSync, fsyncSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evictFromPageCache, largeFilesUnder, residentBytes } from './page-cache';

describe('page cache helpers of bench:data', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-pagecache-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeSynced = (file: string, bytes: number) => {
    writeFileSync(file, Buffer.alloc(bytes, 1));
    const fd = openSync(file, 'r+');
    fsyncSync(fd);
    closeSync(fd);
  };

  it('finds the large files at any depth', () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeSynced(join(dir, 'a', 'b', 'big'), 300_000);
    writeSynced(join(dir, 'small'), 10);
    expect(largeFilesUnder(dir, 100_000)).toEqual([join(dir, 'a', 'b', 'big')]);
    expect(largeFilesUnder(join(dir, 'missing'), 1)).toEqual([]);
  });

  it('evicts a synced file from the page cache', () => {
    const file = join(dir, 'big');
    writeSynced(file, 8 << 20);
    readFileSync(file);
    const before = residentBytes(file);
    expect(evictFromPageCache([file])).toBe(true);
    const after = residentBytes(file);
    if (before === undefined || after === undefined) return; // no fincore here: eviction itself was still checked by dd's status
    expect(before).toBeGreaterThan(0);
    expect(after).toBeLessThan(before);
  });

  it('reports failure for a file dd cannot read', () => {
    expect(evictFromPageCache([join(dir, 'does-not-exist')])).toBe(false);
  });
});
