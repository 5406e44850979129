#!/usr/bin/env node
// `npm start`: runs a local MCOS cluster (see config/local-cluster.yaml and
// the README's Quick start). Builds dist/ first when it is missing or older
// than the sources, then runs the compiled launcher in this process, so the
// PID npm started is the launcher's and Ctrl-C reaches it directly.
'use strict';

const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const LAUNCHER = join(DIST, 'apps/launcher/src/main.js');
const ENTRIES = ['apps/launcher/src/main.js', 'apps/controller/src/main.js', 'apps/agent/src/main.js', 'apps/cli/src/main.js'];
const SOURCE_DIRS = ['apps', 'libs'];
const BUILD_INPUTS = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];
/** Written after a successful build made here (tsc does not touch its buildinfo when nothing changed). */
const STAMP = join(DIST, '.build-stamp');
const BUILD_INFO = join(DIST, '.tsbuildinfo');

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Newest modification time of what `npm run build` compiles (unit specs are not built). */
function newestSourceMs() {
  let newest = Math.max(...BUILD_INPUTS.map((f) => mtimeMs(join(ROOT, f))));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, mtimeMs(path));
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  return newest;
}

/** The last tsc run reported errors (its output may be incomplete, and tsc-alias did not run). */
function lastBuildFailed() {
  try {
    const info = JSON.parse(readFileSync(BUILD_INFO, 'utf8'));
    const withDiagnostics = (list) => Array.isArray(list) && list.some((entry) => Array.isArray(entry) && entry[1] && entry[1].length > 0);
    return info.errors === true || withDiagnostics(info.semanticDiagnosticsPerFile) || withDiagnostics(info.emitDiagnosticsPerFile);
  } catch {
    return true;
  }
}

function staleReason() {
  const missing = ENTRIES.find((entry) => !existsSync(join(DIST, entry)));
  if (missing) return `dist/${missing} is missing`;
  if (lastBuildFailed()) return 'the last build did not finish cleanly';
  if (Math.max(mtimeMs(STAMP), mtimeMs(BUILD_INFO)) < newestSourceMs()) return 'sources changed since the last build';
  return undefined;
}

const reason = staleReason();
if (reason) {
  process.stderr.write(`mcos: building (${reason}): npm run build\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) {
    process.stderr.write(`mcos: the build failed (${build.error ? build.error.message : `exit code ${build.status}`}); fix the errors above, then run npm start again.\n`);
    process.exit(1);
  }
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

require(LAUNCHER);
