#!/usr/bin/env bash
# Builds pgo from the swift-pgo checkout this action lives in (GitHub checks the action's
# repository out at the ref given in `uses:`), in release mode with the Swift runtime linked
# statically, into $PGO_BIN_DIR. FoundationNetworking needs libcurl's development files then.
set -euo pipefail
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${PGO_BIN_DIR:?PGO_BIN_DIR must name where to put pgo}"
command -v swift >/dev/null || { echo "swift-pgo: no swift on PATH; add a Swift setup step (for example swift-actions/setup-swift) before this action" >&2; exit 1; }
if ! ls /usr/lib/*/libcurl.so >/dev/null 2>&1 && command -v apt-get >/dev/null; then
  echo "swift-pgo: installing libcurl4-openssl-dev and zlib1g-dev (needed to link pgo statically)"
  sudo apt-get update -qq && sudo apt-get install -y -qq libcurl4-openssl-dev zlib1g-dev
fi
echo "swift-pgo: building pgo from $source_dir (release, --static-swift-stdlib)"
swift build --package-path "$source_dir" -c release --product pgo --static-swift-stdlib
mkdir -p "$PGO_BIN_DIR"
cp "$(swift build --package-path "$source_dir" -c release --product pgo --static-swift-stdlib --show-bin-path)/pgo" "$PGO_BIN_DIR/pgo"
"$PGO_BIN_DIR/pgo" --version
