#!/usr/bin/env bash
# Runs the load matrix against fresh `oss serve` instances on 127.0.0.1 and prints markdown
# tables of throughput, latency and the server's peak memory.
#
# Matrix, on a server with inline_max = 0: PUT and GET of 4 KiB and 1 MiB objects at
# concurrency 1, 16 and 64, then one 1 GiB PUT and one 1 GiB GET. Then the 4 KiB rows again
# on a second fresh server with inline_max = 4096, so inline storage can be compared.
#
# Environment:
#   DURATION   seconds per phase (default 10); each phase also stops after REQUESTS
#   REQUESTS   request cap per phase (default 200000)
#   RESULTS    file that receives one JSON report per phase (default: a temporary file)
#   CARGO_TARGET_DIR  honoured as by cargo
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
REQUESTS=${REQUESTS:-200000}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release

WORK=$(mktemp -d "${TMPDIR:-/tmp}/oss-bench.XXXXXX")
RESULTS=${RESULTS:-$WORK/results.jsonl}
: >"$RESULTS"
SERVER_PID=""

stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    # Shutdown lets in-flight requests finish; give it a bounded time, then force it.
    for _ in $(seq 1 300); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

cleanup() {
    stop_server
    rm -rf "$WORK/server-"*
    # The directory stays only when it contains the default RESULTS file.
    rmdir "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

# Starts a server with the given inline_max on a fresh data directory and sets SERVER_PID,
# ENDPOINT and CREDENTIALS.
start_server() {
    local inline_max=$1
    local dir=$WORK/server-$inline_max
    mkdir -p "$dir"
    cat >"$dir/oss.toml" <<EOF
[s3]
listen = "127.0.0.1:0"
[admin]
listen = "127.0.0.1:0"
[storage]
data_dir = "$dir/data"
inline_max = $inline_max
[security]
key_file = "$dir/oss.key"
[log]
level = "info"
EOF
    "$BIN/oss" serve --config "$dir/oss.toml" 2>"$dir/server.log" &
    SERVER_PID=$!
    ENDPOINT=""
    for _ in $(seq 1 300); do
        ENDPOINT=$(sed -n 's/.*S3 endpoint listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$dir/server.log")
        [[ -n $ENDPOINT ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z $ENDPOINT ]]; then
        echo "oss serve did not report its S3 endpoint; log follows" >&2
        cat "$dir/server.log" >&2
        exit 1
    fi
    CREDENTIALS=$dir/data/credentials
}

status_kib() {
    awk -v field="$1:" '$1 == field { print $2 }' "/proc/$SERVER_PID/status"
}

# Runs one phase and appends its report, with the server's peak memory during the phase and
# the load average before it, to RESULTS. Arguments: inline_max, op, size, concurrency, keys, then extra oss-load flags.
run_phase() {
    local inline_max=$1 op=$2 size=$3 concurrency=$4 keys=$5
    shift 5
    local load1
    load1=$(cut -d' ' -f1 /proc/loadavg)
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0 and later), so the
    # peak recorded after the phase belongs to this phase alone.
    echo 5 >"/proc/$SERVER_PID/clear_refs"
    echo "inline_max=$inline_max $op $size concurrency $concurrency (load $load1)" >&2
    local report
    report=$("$BIN/oss-load" --endpoint "$ENDPOINT" --credentials "$CREDENTIALS" \
        --bucket bench --key-prefix "load/$size/" --op "$op" --size "$size" \
        --concurrency "$concurrency" --keys "$keys" --json "$@")
    jq -c --arg size "$size" --argjson inline "$inline_max" --argjson load1 "$load1" \
        --argjson hwm "$(status_kib VmHWM)" --argjson rss "$(status_kib VmRSS)" \
        '. + {size_label: $size, inline_max: $inline, load1: $load1,
              server_hwm_kib: $hwm, server_rss_kib: $rss}' <<<"$report" >>"$RESULTS"
}

small_matrix() {
    local inline_max=$1 sizes=$2
    for size in $sizes; do
        local keys=1000
        [[ $size == 4KiB ]] || keys=100
        for op in put get; do
            for concurrency in 1 16 64; do
                run_phase "$inline_max" "$op" "$size" "$concurrency" "$keys" \
                    --duration "$DURATION" --requests "$REQUESTS"
            done
        done
    done
}

print_table() {
    local inline_max=$1
    echo
    echo "inline_max = $inline_max"
    echo
    echo "| op | size | conc | requests | errors | ops/s | MiB/s | p50 ms | p90 ms | p99 ms | max ms | conns | load | server peak RSS MiB |"
    echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    jq -r --argjson inline "$inline_max" 'select(.inline_max == $inline) | . as $r | .ops[] |
        "| \(.op) | \($r.size_label) | \($r.concurrency) | \(.requests) | \(.errors) | " +
        "\(.ops_per_sec | floor) | \(.mib_per_sec * 10 | round / 10) | " +
        "\(.p50_ms * 100 | round / 100) | \(.p90_ms * 100 | round / 100) | " +
        "\(.p99_ms * 100 | round / 100) | \(.max_ms * 100 | round / 100) | " +
        "\($r.connections) | \($r.load1) | \($r.server_hwm_kib / 1024 | round) |"' "$RESULTS"
}

cd "$ROOT"
cargo build --release -p oss -p oss-bench >&2

start_server 0
small_matrix 0 "4KiB 1MiB"
run_phase 0 put 1GiB 1 1 --requests 1 --timeout 900
run_phase 0 get 1GiB 1 1 --requests 1 --timeout 900
stop_server

start_server 4096
small_matrix 4096 "4KiB"
stop_server

echo "uname: $(uname -sr); nproc: $(nproc); results: $RESULTS"
print_table 0
print_table 4096
