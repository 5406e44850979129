import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new private directory under the OS temp dir, e.g. makeTempDir('mcos-ctl-'). */
export function makeTempDir(prefix = 'mcos-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Removes a directory tree; never throws (cleanup must not hide the real
 * failure). Set KEEP_E2E_TMP=1 to keep it (logs, databases) for a post-mortem.
 */
export function removeTempDir(dir: string | undefined): void {
  if (!dir) return;
  if (process.env.KEEP_E2E_TMP === '1') {
    process.stderr.write(`kept ${dir}\n`);
    return;
  }
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Left behind in the temp dir; the OS cleans it eventually.
  }
}
