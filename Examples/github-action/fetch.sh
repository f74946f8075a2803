#!/usr/bin/env bash
# The action's fetch step: runs pgo fetch with the action's inputs. pgo itself appends the step
# outputs to $GITHUB_OUTPUT and the job summary to $GITHUB_STEP_SUMMARY; without a profile it
# still exits 0 (unless strict) and says why, so the build goes on without PGO.
set -euo pipefail
pgo="${PGO_BIN_DIR:?PGO_BIN_DIR must name where pgo is}/pgo"
: "${PGO_STORE:?the store input is required}" "${PGO_SERVICE:?the service input is required}"
args=(fetch --store "$PGO_STORE" --service "$PGO_SERVICE" --since "${PGO_SINCE:-7d}" --flags "${PGO_FLAGS:-.pgo}")
[[ -n ${PGO_GO:-} ]] && args+=(--go "$PGO_GO")
[[ -n ${PGO_LLVM:-} ]] && args+=(--llvm "$PGO_LLVM")
[[ ${PGO_STRICT:-false} == true ]] && args+=(--strict)
exec "$pgo" "${args[@]}"
