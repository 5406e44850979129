import { mkdirSync, mkdtempSync, openSync, fsyncSync, closeSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evictFromPageCache, largeFilesUnder, residentBytes } from './page-cache';

const TMPFS_MAGIC = 0x01021994;

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

  // tmpfs keeps files in memory: nothing can be evicted there, and the helper must say so.
  const onTmpfs = statfsSync(tmpdir()).type === TMPFS_MAGIC;

  it('evicts a synced file from the page cache, or says it cannot', () => {
    const file = join(dir, 'big');
    writeSynced(file, 8 << 20);
    readFileSync(file);
    const before = residentBytes(file);
    expect(before).toBeGreaterThan(0);
    const evicted = evictFromPageCache([file]);
    expect(evicted).toBe(!onTmpfs);
    expect(residentBytes(file)).toBe(onTmpfs ? before : 0);
  });

  it('reports failure for a file dd cannot read', () => {
    expect(evictFromPageCache([join(dir, 'does-not-exist')])).toBe(false);
  });
});
