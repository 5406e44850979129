import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * Absolute path of a built script under dist/, e.g.
 * builtScript('apps/controller/src/main.js'). E2E tests run what
 * `npm run build` produced.
 * @throws when it is missing, saying to build first.
 */
export function builtScript(relative: string): string {
  const path = join(REPO_ROOT, 'dist', relative);
  if (!existsSync(path)) throw new Error(`${path} is missing: run "npm run build" before the e2e tests`);
  return path;
}
