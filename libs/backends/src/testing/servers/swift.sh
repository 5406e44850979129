#!/bin/sh
# Starts a single-node OpenStack Swift by hand, in the foreground; Ctrl-C stops it.
#
#   libs/backends/src/testing/servers/swift.sh [DIR] [PORT] [CONTAINER]     defaults: ./data/swift 8080 mcos
#
# Needs Debian's packages: apt-get install -y swift swift-proxy swift-account
# swift-container swift-object memcached. It prints one JSON line once ready.
# Native API (TempAuth v1.0): auth URL http://127.0.0.1:PORT/auth/v1.0, user
# test:tester, key testing, e.g. in an agent config: backend: { type: swift,
# authUrl: http://127.0.0.1:8080/auth/v1.0, username: test:tester,
# password: testing, container: mcos }.
# S3 API (s3api): endpoint http://127.0.0.1:PORT, access key test:tester,
# secret testing, path-style, region us-east-1, bucket CONTAINER.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../../.." && pwd)
exec /usr/bin/python3 "$here/swift-aio.py" --dir "${1:-$root/data/swift}" --port "${2:-8080}" --container "${3:-mcos}"
