#!/usr/bin/env node
// `mcos`, the MCOS command line (apps/cli), compiled into dist/ by `npm run build`.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(cli)) {
  process.stderr.write(`mcos: ${cli} is missing: run "npm run build" (or "npm start", which builds) first.\n`);
  process.exit(2);
}
require(cli);
