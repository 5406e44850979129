#!/bin/sh
# Starts a local fake S3 (s3rver) by hand, in the foreground; Ctrl-C stops it.
#
#   libs/backends/src/testing/servers/s3rver.sh [DIR] [PORT] [BUCKET]      defaults: ./data/s3rver 4568 mcos
#
# Then use endpoint http://127.0.0.1:PORT, any region, bucket BUCKET,
# access key S3RVER, secret S3RVER, path-style addressing, e.g. in an agent
# config: backend: { type: s3, endpoint: http://127.0.0.1:4568, region: us-east-1,
# bucket: mcos, forcePathStyle: true, accessKeyId: S3RVER, secretAccessKey: S3RVER }.
# It prints one JSON line with the address once it listens. The OpenSSL legacy
# provider is needed for s3rver's (DES) continuation tokens.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../../.." && pwd)
exec node --openssl-legacy-provider "$here/s3rver-launcher.cjs" --dir "${1:-$root/data/s3rver}" --port "${2:-4568}" --bucket "${3:-mcos}"
