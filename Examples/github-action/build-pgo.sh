#!/usr/bin/env bash
# The action's build step: pgo from the swift-pgo checkout this action lives in (GitHub checks the
# action's repository out at the ref given in `uses:`), built as the pgo image builds it, into
# $PGO_BIN_DIR (which the action caches).
set -euo pipefail
: "${PGO_BIN_DIR:?PGO_BIN_DIR must name where to put pgo}"
action_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! ls /usr/lib/*/libcurl.so /usr/lib/*/libxml2.so >/dev/null 2>&1 && command -v apt-get >/dev/null; then
  echo "swift-pgo: installing zlib1g-dev, libcurl4-openssl-dev and libxml2-dev (to link pgo with the Swift runtime)"
  sudo apt-get update -qq && sudo apt-get install -y -qq zlib1g-dev libcurl4-openssl-dev libxml2-dev
fi
exec "$action_dir/../pgo-image/build-pgo.sh" "$PGO_BIN_DIR"
