#!/bin/sh
# The release step: put the shipped build's symbols in the store, by build ID, so profiles of
# this release can be symbolized by every later build (which will not have this binary). Run it
# on the unstripped binary; ship it stripped if you like (the build ID stays).
set -eu
: "${PGO_STORE:?set PGO_STORE, e.g. s3://profiles/prod}"
pgo symbols upload --store "$PGO_STORE" --debug-only "${1:-$(swift build -c release --show-bin-path)/Service}"
