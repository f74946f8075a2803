#!/bin/sh
# The builder stage's build step for a Swift service (the Dockerfile runs exactly this), from
# source, with no earlier binary on disk:
#   1. pgo fetch takes the last PGO_WINDOW of production profiles (address-only, from the agent),
#      symbolizes each release's with that release's symbols from the store's buildid/ area (or
#      DEBUGINFOD_URLS), merges them, and writes an LLVM sample profile and .pgo/swiftpm-toolset.json;
#   2. swift build reads the toolset: -profile-sample-use when a profile was fetched, no flags
#      otherwise (the fetch fails open), so the same command builds with or without PGO.
# Extra arguments go to swift build.
set -eu
: "${PGO_STORE:?set PGO_STORE, e.g. s3://profiles/prod}"
pgo fetch --store "$PGO_STORE" --service "${PGO_SERVICE:-service}" --since "${PGO_WINDOW:-7d}" \
  --llvm .pgo/service.prof --flags .pgo --manifest .pgo/manifest.json
swift build -c release --toolset .pgo/swiftpm-toolset.json "$@"
