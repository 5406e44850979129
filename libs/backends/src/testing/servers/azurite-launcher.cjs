#!/usr/bin/env node
'use strict';
// Runs Azurite's blob service (npm azurite) for tests and by hand; every
// argument goes to Azurite, e.g.
//
//   node libs/backends/src/testing/servers/azurite-launcher.cjs --blobHost 127.0.0.1 --blobPort 10000 \
//     --location DIR --silent --skipApiVersionCheck --disableTelemetry
//
// (--disableTelemetry matters: without it Azurite tries to reach the internet.)
// When started with an IPC channel (as azurite.ts beside it does) it stops
// when its parent goes away, so a crashed test run leaves no server behind.
if (process.send) {
  process.on('disconnect', () => {
    process.kill(process.pid, 'SIGTERM'); // Azurite's own clean shutdown
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
require('azurite/dist/src/blob/main.js');
