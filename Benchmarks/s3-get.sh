#!/usr/bin/env bash
# S3 download benchmark: `pgo get -d DIR` against `aws s3 sync`, both downloading the same N
# profiles of one service from a private, local SeaweedFS (`weed mini`).
#
# Usage: Benchmarks/s3-get.sh            (see Benchmarks/README.md)
#
# Environment:
#   PGO=path          pgo binary to test (default: built as shipped, --static-swift-stdlib; needs libcurl4-openssl-dev)
#   N=500             number of profiles uploaded and downloaded
#   RUNS=5            timed runs per variant (medians are reported)
#   PGO_JOBS="8"      pgo get -j values to time; the first is checked against the target
#   AWS_JOBS=default  aws s3 max_concurrent_requests values to time; "default" is the CLI's own
#                     default (10 in awscli v1); the first is the target's baseline
#   FIXTURES=dir      profiles uploaded round-robin (default: Fixtures/profiles)
#   FETCH=1           also time `pgo fetch --go --cache none` of the whole window (wall, peak RSS)
#   PGO_WEED, PGO_AWS SeaweedFS `weed` and the aws CLI (default: from .build-peers/env.sh,
#                     which `.ci/install-peers` writes; run it first if .build-peers is missing)
#
# Exits non-zero only when something is broken (a tool or the server fails, a download is
# incomplete or differs from what was uploaded); a missed performance target is reported, not fatal.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$script_dir/common.sh"

N=${N:-500}
RUNS=${RUNS:-5}
PGO_JOBS=${PGO_JOBS:-8}
AWS_JOBS=${AWS_JOBS:-default}
FIXTURES=${FIXTURES:-$root/Fixtures/profiles}
require_gnu_time


[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$N'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
for j in $PGO_JOBS; do [[ $j =~ ^[1-9][0-9]*$ ]] || die "PGO_JOBS must be positive integers, got '$j'"; done
for j in $AWS_JOBS; do [[ $j == default || $j =~ ^[1-9][0-9]*$ ]] || die "AWS_JOBS must be 'default' or positive integers, got '$j'"; done
[[ -n ${PGO_JOBS// /} && -n ${AWS_JOBS// /} ]] || die "PGO_JOBS and AWS_JOBS need at least one value each"
command -v python3 >/dev/null || die "python3 is needed (free ports, readiness checks)"
command -v setsid >/dev/null || die "setsid (util-linux) is needed"

# --- Peers -------------------------------------------------------------------------

if [[ -z ${PGO_WEED:-} || -z ${PGO_AWS:-} ]]; then
    if [[ ! -f $root/.build-peers/env.sh ]]; then
        log "installing the peers (.ci/install-peers)"
        (cd "$root" && .ci/install-peers >&2)
    fi
    saved_weed=${PGO_WEED:-} saved_aws=${PGO_AWS:-} saved_pgo=${PGO:-}
    # shellcheck source=/dev/null
    source "$root/.build-peers/env.sh"
    PGO_WEED=${saved_weed:-$PGO_WEED} PGO_AWS=${saved_aws:-$PGO_AWS} PGO=$saved_pgo
fi
[[ -x $PGO_WEED ]] || die "PGO_WEED=$PGO_WEED is not executable (run .ci/install-peers)"
[[ -x $PGO_AWS ]] || die "PGO_AWS=$PGO_AWS is not executable (run .ci/install-peers)"

# --- Temporary files and the server's cleanup ----------------------------------------

# Unix socket paths must stay short (108 bytes): SeaweedFS puts some under this directory.
base=${TMPDIR:-/tmp}
((${#base} <= 60)) || base=/tmp
work=$(mktemp -d "$base/pgo-s3-bench.XXXXXX")
weed_pid=
weed_sockets=()

stop_server() {
    if [[ -n $weed_pid ]]; then
        # weed leads its own process group (setsid), with its watchdog; SIGKILL: it ignores
        # SIGTERM for seconds.
        kill -KILL -- "-$weed_pid" 2>/dev/null || kill -KILL "$weed_pid" 2>/dev/null || true
        wait "$weed_pid" 2>/dev/null || true
        weed_pid=
    fi
    exec 8>&- # the watchdog's FIFO
    ((${#weed_sockets[@]} == 0)) || rm -f -- "${weed_sockets[@]}"
    weed_sockets=()
}
cleanup() {
    stop_server
    rm -rf -- "$work"
}
on_exit cleanup

# --- pgo ---------------------------------------------------------------------------

PGO=$(shipped_pgo)

# --- SeaweedFS -----------------------------------------------------------------------

# Like Tests/TestSupport/S3TestServer.swift: `weed mini` runs master, volume,
# filer, S3 and admin in one process; every component's HTTP port P and gRPC port P+10000 are
# moved to free ports (the mini's worker dials the admin gRPC port as admin port + 10000,
# whatever -admin.port.grpc says). gRPC also listens on /tmp/seaweedfs-COMPONENT-grpc-PORT.sock.
components=(master volume filer s3 admin)

free_port_pairs() { # count -> "P P+10000" lines, all free on 127.0.0.1 and distinct
    python3 - "$1" <<'PY'
import socket, sys
count, held, pairs = int(sys.argv[1]), [], []
for _ in range(1000):
    if len(pairs) == count:
        break
    a = socket.socket()
    a.bind(("127.0.0.1", 0))
    held.append(a)
    port = a.getsockname()[1]
    if port + 10000 > 65535:
        continue
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", port + 10000))
    except OSError:
        b.close()
        continue
    held.append(b)
    pairs.append((port, port + 10000))
if len(pairs) < count:
    sys.exit("no free port pairs on 127.0.0.1")
for p in pairs:
    print(*p)
PY
}

answers_http() { # port -> whether GET / gets any HTTP response
    python3 - "$1" <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    sys.exit(0 if s.recv(5).startswith(b"HTTP/") else 1)
except OSError:
    sys.exit(1)
PY
}

random_string() { # length alphabet
    python3 -c 'import secrets, sys; print("".join(secrets.choice(sys.argv[2]) for _ in range(int(sys.argv[1]))))' "$1" "$2"
}

# Runs in the server's session: starts a watchdog that waits for EOF on standard input (a FIFO
# whose only write end this script holds, on fd 8), then becomes weed (exec: same pid). If this
# script dies without running its trap (SIGKILL), the watchdog kills weed and removes the sockets
# and this script's temporary directory.
watchdog='d=$1; shift
exec 3<&0
{ cat >/dev/null; kill -KILL $$; rm -rf -- "$d" $PGO_S3_CLEANUP; } <&3 >/dev/null 2>&1 &
exec "$@" </dev/null 3<&-'

start_server() { # -> 0 when up, 1 on a port clash (retry), dies otherwise
    local srv="$work/weed" i c
    rm -rf -- "$srv" "$work/alive"
    mkdir -p "$srv/data" "$srv/tmp"
    local -A port grpc
    i=0
    while read -r p g; do
        port[${components[i]}]=$p grpc[${components[i]}]=$g
        i=$((i + 1))
    done < <(free_port_pairs ${#components[@]})
    ((i == ${#components[@]})) || die "could not pick free ports"

    access_key="PGO$(random_string 17 ABCDEFGHIJKLMNOPQRSTUVWXYZ234567)"
    secret_key=$(random_string 40 ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789)
    cat >"$srv/s3.json" <<JSON
{"identities": [{"name": "pgo-bench", "credentials": [{"accessKey": "$access_key", "secretKey": "$secret_key"}],
  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
JSON
    local args=(-logtostderr "-config_dir=$srv" mini "-dir=$srv/data" -ip=127.0.0.1 -ip.bind=127.0.0.1)
    for c in "${components[@]}"; do args+=("-$c.port=${port[$c]}" "-$c.port.grpc=${grpc[$c]}"); done
    args+=(-s3.port.iceberg=0 -s3.port.lance=0 -webdav=false -admin.ui=false -master.telemetry=false
        "-filer.localSocket=$srv/filer.sock" "-s3.localSocket=$srv/s3.sock" "-s3.config=$srv/s3.json")
    weed_sockets=()
    for c in "${components[@]}"; do weed_sockets+=("/tmp/seaweedfs-$c-grpc-${grpc[$c]}.sock"); done

    mkfifo "$work/alive"
    exec 9<>"$work/alive" # a writer, so that neither side's open of the FIFO blocks
    # Not a process group leader here (no job control), so setsid doesn't fork: $! is weed.
    PGO_S3_CLEANUP="${weed_sockets[*]}" TMPDIR="$srv/tmp" setsid /bin/sh -c "$watchdog" pgo-s3-watchdog \
        "$work" "$PGO_WEED" "${args[@]}" <"$work/alive" >"$work/weed.log" 2>&1 8>&- 9>&- &
    weed_pid=$!
    exec 8>"$work/alive" 9>&-
    endpoint="http://127.0.0.1:${port[s3]}"

    local deadline=$((SECONDS + 30))
    until answers_http "${port[s3]}"; do
        if ! kill -0 "$weed_pid" 2>/dev/null; then
            wait "$weed_pid" 2>/dev/null || true
            weed_pid=
            if grep -q 'address already in use' "$work/weed.log"; then stop_server; return 1; fi
            tail -n 40 "$work/weed.log" >&2
            die "weed mini exited (log above)"
        fi
        if ((SECONDS > deadline)); then
            tail -n 40 "$work/weed.log" >&2
            die "weed mini did not answer HTTP on port ${port[s3]} within 30 s (log above)"
        fi
        sleep 0.1
    done
    return 0
}

log "starting SeaweedFS ($PGO_WEED)"
started=no
for attempt in 1 2 3; do
    if start_server; then started=yes; break; fi
    log "port clash, picking other ports (attempt $attempt)"
done
[[ $started == yes ]] || die "could not start SeaweedFS (ports kept clashing)"

# Both clients: these credentials and endpoint only, never ~/.aws or instance metadata.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CA_BUNDLE AWS_ENDPOINT_URL_S3
export AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=$secret_key
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL=$endpoint
export AWS_CONFIG_FILE="$work/no-aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/no-aws-credentials"
export AWS_EC2_METADATA_DISABLED=true
aws() { "$PGO_AWS" --endpoint-url "$endpoint" "$@"; }

bucket=pgo-bench
prefix=bench
service=api
store="s3://$bucket/$prefix"
# The filer may come up a moment after the S3 port: retry the first request.
for ((i = 0; ; i++)); do
    aws s3api create-bucket --bucket "$bucket" >/dev/null 2>"$work/stderr.log" && break
    ((i < 50)) || { cat "$work/stderr.log" >&2; die "could not create the bucket"; }
    sleep 0.2
done
log "SeaweedFS at $endpoint (pid $weed_pid), bucket $bucket"

# --- Upload --------------------------------------------------------------------------

# N distinct keys: the fixtures (distinct contents) uploaded in rounds, every round with its own
# --at time (one second apart). Keys are PREFIX/SERVICE/MILLIS-HASH.pb.gz, so a round's files
# differ by their content hash and the rounds by their time. The fixtures are gzipped already:
# the stored objects are the fixtures' bytes.
shopt -s nullglob
fixtures=()
declare -A seen_sha
for f in "$FIXTURES"/*.pb.gz; do
    sha=$(sha256sum <"$f" | cut -d' ' -f1)
    [[ -z ${seen_sha[$sha]:-} ]] || continue # same content twice would be the same key
    seen_sha[$sha]=1
    fixtures+=("$f")
done
shopt -u nullglob
((${#fixtures[@]} > 0)) || die "no *.pb.gz fixtures in $FIXTURES"

log "uploading $N profiles (${#fixtures[@]} fixtures round-robin, one --at time per round) with pgo upload"
t0=1795564800000 # 2026-11-25T00:00:00Z in Unix milliseconds
: >"$work/upload.out"
for ((k = 0; k * ${#fixtures[@]} < N; k++)); do
    count=$((N - k * ${#fixtures[@]}))
    ((count <= ${#fixtures[@]})) || count=${#fixtures[@]}
    "$PGO" upload --store "$store" --service "$service" --at $((t0 + k * 1000)) "${fixtures[@]:0:count}" \
        >>"$work/upload.out" 2>"$work/stderr.log" || { cat "$work/stderr.log" >&2; die "pgo upload failed"; }
done

# What every download must hold: "NAME SHA256" for each uploaded object (NAME is the key's last
# component, which both pgo get and aws s3 sync use as the file name).
while read -r file _ key _; do
    printf '%s %s\n' "${key##*/}" "$(sha256sum <"$file" | cut -d' ' -f1)"
done <"$work/upload.out" | sort >"$work/expected"
[[ $(wc -l <"$work/expected") -eq $N ]] || die "pgo upload reported $(wc -l <"$work/expected") objects, expected $N"
[[ $(cut -d' ' -f1 "$work/expected" | sort -u | wc -l) -eq $N ]] || die "the uploaded keys are not distinct"

listed=$("$PGO" list --store "$store" --service "$service" 2>"$work/stderr.log" | wc -l) || { cat "$work/stderr.log" >&2; die "pgo list failed"; }
[[ $listed -eq $N ]] || die "pgo list shows $listed profiles, expected $N"
aws_listed=$(aws s3 ls "$store/$service/" | wc -l)
[[ $aws_listed -eq $N ]] || die "aws s3 ls shows $aws_listed objects, expected $N"
total_bytes=$(aws s3 ls --summarize "$store/$service/" | awk '/Total Size:/ { print $3 }')
log "pgo list and aws s3 ls both show $N objects, $total_bytes bytes"

# --- Measurement helpers -------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
clock_ticks=$(getconf CLK_TCK)
server_cpu() { # weed's user+sys CPU so far, in seconds
    awk -v hz="$clock_ticks" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$weed_pid/stat" 2>/dev/null || echo 0
}

# verify DIR LABEL: DIR holds exactly the uploaded objects, byte for byte.
verify() {
    (cd "$1" && find . -mindepth 1 -printf '%P\n' | sort | while read -r name; do
        [[ -f $name ]] || { echo "$name (not a regular file)"; continue; }
        printf '%s %s\n' "$name" "$(sha256sum <"$name" | cut -d' ' -f1)"
    done) >"$work/got"
    if ! cmp -s "$work/got" "$work/expected"; then
        diff "$work/expected" "$work/got" | head -n 10 >&2 || true
        die "$2: the download in $1 differs from the uploaded objects ($(wc -l <"$work/got") entries, expected $N)"
    fi
}

# Variants: a label, a tool and its concurrency.
labels=()
tools=()
jobs=()
aws_default=$("$(head -n 1 "$PGO_AWS" | sed 's/^#! *//')" -c \
    'from awscli.customizations.s3.transferconfig import DEFAULTS; print(DEFAULTS["max_concurrent_requests"])' 2>/dev/null || echo '?')
for j in $PGO_JOBS; do
    labels+=("pgo get -j $j") tools+=(pgo) jobs+=("$j")
done
for j in $AWS_JOBS; do
    if [[ $j == default ]]; then
        labels+=("aws s3 sync ($aws_default, default)")
    else
        labels+=("aws s3 sync ($j)")
        printf '[default]\ns3 =\n    max_concurrent_requests = %s\n' "$j" >"$work/aws-config-$j"
    fi
    tools+=(aws) jobs+=("$j")
done
# command_for V DIR: sets cmd to variant V's command, downloading into DIR.
command_for() {
    local v=$1 dir=$2
    if [[ ${tools[v]} == pgo ]]; then
        cmd=("$PGO" get --store "$store" --service "$service" -j "${jobs[v]}" -d "$dir")
    else
        local cfg="$work/no-aws-config"
        [[ ${jobs[v]} == default ]] || cfg="$work/aws-config-${jobs[v]}"
        cmd=(env "AWS_CONFIG_FILE=$cfg" "$PGO_AWS" --endpoint-url "$endpoint" s3 sync --no-progress "$store/$service/" "$dir")
    fi
}
nv=${#labels[@]}
pgo_first=0
aws_first=$(wc -w <<<"$PGO_JOBS")

# One untimed download each (warms the binaries, the server and the page cache; checks bytes).
err_log="$work/stderr.log"
for ((v = 0; v < nv; v++)); do
    out="$work/warm-$v"
    mkdir "$out"
    command_for "$v" "$out"
    "${cmd[@]}" >/dev/null 2>"$err_log" || { tail -n 20 "$err_log" >&2; die "${labels[v]} failed"; }
    verify "$out" "${labels[v]}"
    rm -rf "$out"
done
log "warm-up downloads verified: $N files each, bytes identical to the uploaded objects"

# --- Benchmark -----------------------------------------------------------------------

log "pgo:   $PGO"
log "aws:   $PGO_AWS ($("$PGO_AWS" --version 2>&1))"
log "weed:  $PGO_WEED ($("$PGO_WEED" version 2>/dev/null | head -n 1))"
log "N=$N; runs per variant: $RUNS; cores: $(nproc 2>/dev/null || echo '?')"

for ((v = 0; v < nv; v++)); do : >"$work/stats-$v"; done
for ((r = 1; r <= RUNS; r++)); do
    log "run $r/$RUNS"
    # Alternate the order from run to run so that drift hits every variant alike.
    order=()
    for ((v = 0; v < nv; v++)); do order+=($((r % 2 ? v : nv - 1 - v))); done
    for v in "${order[@]}"; do
        out="$work/run-$r-$v"
        mkdir "$out" # fresh and empty
        before=$(server_cpu)
        command_for "$v" "$out"
        if ! $TIME -f '%e %M %U %S' -o "$work/time.out" "${cmd[@]}" >/dev/null 2>"$err_log"; then
            tail -n 20 "$err_log" >&2
            die "${labels[v]} failed"
        fi
        after=$(server_cpu)
        verify "$out" "${labels[v]}"
        rm -rf "$out"
        read -r wall rss user sys <"$work/time.out"
        echo "$wall $rss $(awk -v u="$user" -v s="$sys" -v a="$before" -v b="$after" 'BEGIN { print u + s, b - a }')" >>"$work/stats-$v"
    done
done

# --- Report ----------------------------------------------------------------------------

declare -a m_wall m_rss m_cpu m_srv
for ((v = 0; v < nv; v++)); do
    m_wall[v]=$(median $(awk '{ print $1 }' "$work/stats-$v"))
    m_rss[v]=$(awk -v k="$(median $(awk '{ print $2 }' "$work/stats-$v"))" 'BEGIN { print k / 1024 }')
    m_cpu[v]=$(median $(awk '{ print $3 }' "$work/stats-$v"))
    m_srv[v]=$(median $(awk '{ print $4 }' "$work/stats-$v"))
done

echo
echo "S3 download benchmark: pgo get vs aws s3 sync, $N profiles ($(awk -v b="$total_bytes" 'BEGIN { printf "%.2f", b / 1048576 }') MiB) from a local SeaweedFS"
echo "($RUNS runs each, medians; wall from GNU time %e (10 ms resolution), client CPU = user+sys, peak RSS from %M;"
echo " server CPU = weed's user+sys during the run; $(nproc 2>/dev/null || echo '?') cores, shared by client and server)"
echo
printf '%-28s %8s %13s %13s %9s %9s\n' variant 'wall s' 'client CPU s' 'server CPU s' 'RSS MiB' 'wall/aws'
for ((v = 0; v < nv; v++)); do
    printf '%-28s %8.2f %13.2f %13.2f %9.1f %9s\n' "${labels[v]}" "${m_wall[v]}" "${m_cpu[v]}" "${m_srv[v]}" "${m_rss[v]}" \
        "$(ratio "${m_wall[v]}" "${m_wall[aws_first]}")"
done
echo
echo "Every download: $N files, bytes identical (SHA-256) to the uploaded objects."
r=$(ratio "${m_wall[pgo_first]}" "${m_wall[aws_first]}")
echo "ratio pgo/aws (wall, ${labels[pgo_first]} / ${labels[aws_first]}): $r"
if awk -v r="$r" 'BEGIN { exit !(r != "n/a" && r <= 1.0) }'; then
    echo "TARGET MET: pgo no slower than aws s3 sync (${r}x <= 1.00x)"
else
    echo "TARGET MISSED: pgo no slower than aws s3 sync (${r}x > 1.00x)"
fi

if [[ ${FETCH:-0} == 1 ]]; then
    $TIME -f '%e %M' -o "$work/fetch-time" "$PGO" fetch --store "$store" --service "$service" --from 0 --go "$work/fetched.pgo" \
        --cache none --strict 2>"$work/stderr.log" >/dev/null || { cat "$work/stderr.log" >&2; die "pgo fetch failed"; }
    read -r s kib < "$work/fetch-time"
    printf 'pgo fetch --go --cache none of the %d profiles: %.2f s, peak %d MiB\n' "$N" "$s" "$((kib / 1024))"
fi
