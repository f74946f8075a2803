#!/bin/sh
# The builder stage's build step for a Swift service (the Dockerfile runs exactly this).
# `pgo fetch` writes .pgo/swiftpm-toolset.json; it carries -profile-sample-use when an LLVM
# profile was fetched, and no flags otherwise, so the same command builds with or without PGO.
set -eu
: "${PGO_STORE:?set PGO_STORE, e.g. s3://profiles/prod}"
pgo fetch --store "$PGO_STORE" --service "${PGO_SERVICE:-service}" --since "${PGO_WINDOW:-7d}" \
  --go default.pgo --flags .pgo --manifest pgo-manifest.json
swift build -c release --toolset .pgo/swiftpm-toolset.json
