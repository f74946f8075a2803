#!/bin/sh
# The builder stage's build step (the Dockerfile runs exactly this): fetch last week's profiles
# and build with them. A store that is down or empty does not fail the build: pgo fetch warns and
# writes no profile, and `go build -pgo=auto` then builds without PGO.
set -eu
: "${PGO_STORE:?set PGO_STORE, e.g. s3://profiles/prod}"
pgo fetch --store "$PGO_STORE" --service "${PGO_SERVICE:-api}" --since "${PGO_WINDOW:-7d}" \
  --go default.pgo --flags .pgo --manifest pgo-manifest.json
go build -pgo=auto -o "${OUT:-server}" .
