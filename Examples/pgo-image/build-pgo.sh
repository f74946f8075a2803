#!/usr/bin/env bash
# Builds pgo with the Swift runtime linked in (release, --static-swift-stdlib), so that the binary
# runs on a machine or image without Swift: what the pgo image, the GitHub action and the Go
# recipe ship. Needs Swift, zlib1g-dev, libcurl4-openssl-dev and libxml2-dev (FoundationNetworking
# and FoundationXML link libcurl and libxml2).
#
#   build-pgo.sh OUT_DIR        [PGO_SCRATCH=DIR: SwiftPM's build directory, default .build]
set -euo pipefail
out=${1:?usage: build-pgo.sh OUT_DIR}
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v swift >/dev/null || { echo "build-pgo.sh: no swift on PATH" >&2; exit 1; }
for lib in curl xml2 z; do
  { ls /usr/lib/*/lib$lib.so || ls /usr/lib/lib$lib.so; } >/dev/null 2>&1 \
    || { echo "build-pgo.sh: lib$lib.so is missing: install zlib1g-dev, libcurl4-openssl-dev and libxml2-dev" >&2; exit 1; }
done
build=(swift build --package-path "$source_dir" --scratch-path "${PGO_SCRATCH:-$source_dir/.build}" -c release --product pgo --static-swift-stdlib)
echo "build-pgo.sh: ${build[*]}"
"${build[@]}"
mkdir -p "$out"
cp "$("${build[@]}" --show-bin-path)/pgo" "$out/pgo"
"$out/pgo" --version
