#!/usr/bin/env node
// `npm start`: the local-cluster launcher. The controller, agents and launcher
// are being built issue by issue; until the launcher exists this says so
// plainly instead of pretending to start a cluster.
'use strict';
console.error(
  'mcos: the local cluster launcher is not built yet (see issue "One command to a running cluster").\n' +
    'What works today: `npm test` (unit + e2e) and `npm run bench:ring`.',
);
process.exit(1);
