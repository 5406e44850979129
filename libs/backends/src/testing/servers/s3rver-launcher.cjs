#!/usr/bin/env node
'use strict';
// Runs s3rver (a fake S3 on the local disk) for tests and by hand.
//
//   node --openssl-legacy-provider libs/backends/src/testing/servers/s3rver-launcher.cjs --dir DIR [--address 127.0.0.1] [--port 0] [--bucket mcos]
//
// Prints ONE line of JSON on stdout once listening:
//   {"address":"127.0.0.1","port":43117,"bucket":"mcos","dir":"/tmp/..."}
// then stays silent. Stops on SIGTERM/SIGINT, and when started with an IPC
// channel (as s3rver.ts beside it does) also when its parent goes away,
// so a crashed test run leaves no server behind.
// Credentials: access key S3RVER, secret S3RVER. Path-style addressing.
// --openssl-legacy-provider: s3rver makes ListObjectsV2 continuation tokens
// with DES, which OpenSSL 3 only offers through its legacy provider.

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

// s3rver 3.7 walks its directory in readdir order (hash order on ext4) and
// cuts pages there, so paginated listings come unsorted and skip keys. Real
// S3 lists in UTF-8 byte order; sort the walk the same way. This must happen
// before s3rver's store module copies `walk` out of its utils.
const utils = require('s3rver/lib/utils');
const OBJECT_FILE = /\._S3rver_object$/;
utils.walk = function* sortedWalk(dir, recurseFilter) {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).map((e) => ({
    e,
    // An object "x" is the file "x._S3rver_object", keys "x/..." live in the directory "x".
    sortKey: Buffer.from(e.isDirectory() ? `${e.name}/` : e.name.replace(OBJECT_FILE, ''), 'utf8'),
  }));
  entries.sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
  for (const { e } of entries) {
    const p = path.posix.join(dir, e.name);
    if (!e.isDirectory()) yield p;
    else if (!recurseFilter || recurseFilter(p)) yield* sortedWalk(p, recurseFilter);
  }
};

const S3rver = require('s3rver');

async function main() {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      address: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      bucket: { type: 'string', default: 'mcos' },
    },
  });
  if (!values.dir) throw new Error('--dir is required');
  fs.mkdirSync(values.dir, { recursive: true });
  const server = new S3rver({
    directory: values.dir,
    address: values.address,
    port: Number(values.port),
    silent: true,
    configureBuckets: [{ name: values.bucket, configs: [] }],
  });
  const { address, port } = await server.run();
  process.stdout.write(`${JSON.stringify({ address, port, bucket: values.bucket, dir: path.resolve(values.dir) })}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.send) process.on('disconnect', stop);
}

main().catch((err) => {
  process.stderr.write(`s3rver-launcher: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
