#!/usr/bin/env bash
# The service's read routes beside an axum hello-world: `hisar serve` over the history of one
# sweep of the synthetic registry (N panels, default 87), and `GET /api/v1/render-plan` and
# `GET /api/v1/panels` under wrk, as requests/s and p99 latency; the same wrk against an axum
# hello-world on the same machine is the baseline, run again before each route. Each route is
# also measured with `Accept-Encoding: gzip` (the compressed body, as a browser asks) and with
# `If-None-Match` carrying the current tag (a client polling an unchanged history: 304).
#
#   benches/service.sh [-n PANELS] [-c CONNECTIONS] [-d SECONDS]
set -euo pipefail

panels=87 connections=16 seconds=10
while getopts "n:c:d:h" opt; do
  case $opt in
    n) panels=$OPTARG ;;
    c) connections=$OPTARG ;;
    d) seconds=${OPTARG%s} ;;
    *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v wrk >/dev/null || { echo "service.sh needs wrk (apt-get install -y wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "service.sh needs curl (apt-get install -y curl)" >&2; exit 2; }

echo "== building release binaries (hisar, hisar-bench-backend)" >&2
cargo build --release --quiet -p hisar-cli -p hisar-benches --bins
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
hisar="$target_dir/release/hisar"
bench="$target_dir/release/hisar-bench-backend"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hisar-service-bench.XXXXXX")
pids=()
cleanup() {
  exec 3>&- 4>&- 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

wait_for() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

"$bench" registry --panels "$panels" --shared 50 >"$tmp/hisar.yaml"
exec 3> >(exec "$bench" serve --panels "$panels" --shared 50 --watch-stdin --lifetime 1800 \
  >"$tmp/backend.url" 2>/dev/null)
pids+=($!)
exec 4> >(exec "$bench" hello --watch-stdin --lifetime 1800 >"$tmp/hello.url" 2>/dev/null)
pids+=($!)
wait_for "$tmp/backend.url" && wait_for "$tmp/hello.url" || { echo "backends did not start" >&2; exit 3; }
backend=$(head -n 1 "$tmp/backend.url")
hello=$(head -n 1 "$tmp/hello.url")

# One sweep of history, then the service over it.
"$hisar" sweep --registry "$tmp/hisar.yaml" --base-url "$backend" --state "$tmp/state" \
  --fail-on never >/dev/null 2>&1
NO_COLOR=1 timeout 1800 "$hisar" serve --registry "$tmp/hisar.yaml" --base-url "$backend" \
  --state "$tmp/state" --listen 127.0.0.1:0 >/dev/null 2>"$tmp/serve.log" &
pids+=($!)
for _ in $(seq 100); do grep -q 'dashboard: http' "$tmp/serve.log" && break; sleep 0.1; done
service=$(sed -n 's|.*dashboard: \(http://127\.0\.0\.1:[0-9]*\)/.*|\1|p' "$tmp/serve.log" | head -n 1)
[ -n "$service" ] || { echo "hisar serve did not start: $(cat "$tmp/serve.log")" >&2; exit 3; }

# wrk's requests/s and p99 latency for a URL and optional headers.
run_wrk() {
  local url=$1; shift
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  timeout $((seconds + 60)) wrk -t 2 -c "$connections" -d "${seconds}s" --latency "${args[@]}" "$url" >"$tmp/wrk.txt" 2>&1
  awk '/^Requests\/sec:/ { rps = $2 } /^ +99%/ { p99 = $2 } /Non-2xx or 3xx/ { bad = $5 }
    END { printf "%s %s %s\n", rps, p99, bad ? bad : 0 }' "$tmp/wrk.txt"
}
size() { curl -s -o /dev/null -w '%{size_download}' "$@"; }

printf '\n%s, commit %s, %s CPUs; %s panels; wrk -t 2 -c %s -d %ss\n' \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')" \
  "$(nproc)" "$panels" "$connections" "$seconds"

# The baseline runs just before each measured route, so a change of load on a shared machine
# weighs on both alike; each ratio is to the hello-world run next to it.
read -r first_hello_rps hello_p99 _ < <(run_wrk "$hello/")
rows=("| axum hello-world (first run) | $(size "$hello/") B | $first_hello_rps | $hello_p99 | 1.00 |")
goal=()
for route in /api/v1/render-plan /api/v1/panels; do
  tag=$(curl -s -D - -o /dev/null "$service$route" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
  for variant in plain gzip 304; do
    case $variant in
      plain) headers=() ;;
      gzip) headers=("Accept-Encoding: gzip") ;;
      304) headers=("If-None-Match: $tag") ;;
    esac
    read -r hello_rps _ _ < <(run_wrk "$hello/")
    read -r rps p99 bad < <(run_wrk "$service$route" "${headers[@]}")
    bytes=$(size "${headers[@]/#/-H}" "$service$route" 2>/dev/null || echo '?')
    ratio=$(awk -v a="$rps" -v b="$hello_rps" 'BEGIN { printf "%.2f", a / b }')
    rows+=("| GET $route ($variant) | $bytes B | $rps | $p99 | $ratio |")
    [ "$variant" = plain ] && goal+=("$route $ratio")
    [ "$bad" = 0 ] || echo "warning: $bad non-2xx/3xx answers for $route ($variant)" >&2
  done
done

printf '| request | body | requests/s | p99 | / hello-world run before it |\n|---|---:|---:|---:|---:|\n'
printf '%s\n' "${rows[@]}"
printf 'goal: GET render-plan and panels / axum hello-world: %s; %s\n' "${goal[0]#* }" "${goal[1]#* }"
