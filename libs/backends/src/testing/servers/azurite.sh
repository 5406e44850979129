#!/bin/sh
# Starts a local Azure Blob emulator (Azurite) by hand, in the foreground; Ctrl-C stops it.
#
#   libs/backends/src/testing/servers/azurite.sh [DIR] [PORT]      defaults: ./data/azurite 10000
#
# Well-known development account: name devstoreaccount1, key
# Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==
# endpoint http://127.0.0.1:PORT/devstoreaccount1. Create the container first
# (e.g. az storage container create, or any SDK), then in an agent config:
# backend: { type: azure, endpoint: http://127.0.0.1:10000/devstoreaccount1,
# accountName: devstoreaccount1, accountKey: <the key above>, container: mcos }.
# --disableTelemetry keeps Azurite from reaching the internet.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../../.." && pwd)
dir=${1:-$root/data/azurite}
mkdir -p "$dir"
exec node "$here/azurite-launcher.cjs" --blobHost 127.0.0.1 --blobPort "${2:-10000}" \
  --location "$dir" --silent --skipApiVersionCheck --disableTelemetry
