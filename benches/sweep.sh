#!/usr/bin/env bash
# The sweep benchmark: `hisar sweep` as a whole process against a synthetic backend on
# loopback, beside three measures of the same backend on the same URLs at the same
# concurrency: wrk (its raw capacity), reqwest alone (hisar's HTTP client before hisar does
# anything) and hyper's pooled client alone (the candidate to replace it).
# See BENCHMARKS.md.
#
#   benches/sweep.sh [-s SHARED_PERCENT] [-j JOBS] [-d SECONDS] [N ...]
#
# N defaults to "87 1000 10000"; SHARED_PERCENT (panels that read an endpoint another panel
# already reads) to 50; JOBS (hisar --jobs, wrk -c) to 16; SECONDS (wrk and reqwest runs) to 10.
# Traffic goes to 127.0.0.1 only; every process is bounded in time and stops by itself.
set -euo pipefail

shared=50 jobs=16 seconds=10
while getopts "s:j:d:h" opt; do
  case $opt in
    s) shared=$OPTARG ;;
    j) jobs=$OPTARG ;;
    d) seconds=${OPTARG%s} ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(87 1000 10000); fi

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

missing=()
command -v wrk >/dev/null || missing+=("wrk (Debian package wrk: apt-get install -y wrk)")
[ -x /usr/bin/time ] || missing+=("/usr/bin/time (Debian package time: apt-get install -y time)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'sweep.sh needs:\n' >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 2
fi

echo "== building release binaries (hisar, hisar-bench-backend)" >&2
cargo build --release --quiet -p hisar-cli -p hisar-benches --bins
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
hisar="$target_dir/release/hisar"
bench="$target_dir/release/hisar-bench-backend"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hisar-sweep-bench.XXXXXX")
backend_pid=
stop_backend() {
  if [ -n "$backend_pid" ]; then
    exec 3>&- # closing its standard input stops it
    kill -TERM "$backend_pid" 2>/dev/null || true
    wait "$backend_pid" 2>/dev/null || true
    backend_pid=
  fi
}
cleanup() { stop_backend; rm -rf "$tmp"; }
trap cleanup EXIT

cat >"$tmp/cycle.lua" <<'LUA'
-- Cycles through the sweep's request targets (one per line in the file given after --),
-- with the header hisar sends for the registry's auth mode.
local targets = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do targets[#targets + 1] = line end
end
wrk.headers["X-AOS-Key"] = "bench-key"
wrk.headers["Accept"] = "*/*"
function request()
  i = i % #targets + 1
  return wrk.format("GET", targets[i])
end
LUA

# Seconds since the epoch of the first "KEY": "RFC 3339" pair in a JSON file.
json_time() { date -d "$(grep -o "\"$1\": *\"[^\"]*\"" "$2" | head -n 1 | sed 's/.*: *"\(.*\)"/\1/')" +%s.%N; }
now() { date +%s.%N; }

rows=()
printf '\n%s, commit %s, %s CPUs; shared %s%%, jobs %s; wrk -t 2 -c %s -d %ss; reqwest alone %ss\n' \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')" \
  "$(nproc)" "$shared" "$jobs" "$jobs" "$seconds" "$seconds"

for n in "${sizes[@]}"; do
  "$bench" registry --panels "$n" --shared "$shared" >"$tmp/hisar.yaml"
  "$bench" urls --panels "$n" --shared "$shared" >"$tmp/urls.txt"

  # The backend stops when fd 3 closes (or on SIGTERM, or after 600 s whatever happens).
  exec 3> >(exec "$bench" serve --panels "$n" --shared "$shared" --watch-stdin --lifetime 600 \
    >"$tmp/backend.url" 2>"$tmp/backend.log")
  backend_pid=$!
  for _ in $(seq 100); do
    [ -s "$tmp/backend.url" ] && break
    sleep 0.1
  done
  url=$(head -n 1 "$tmp/backend.url")
  case $url in
    http://127.0.0.1:*) ;;
    *) echo "the backend did not start on loopback: $(cat "$tmp/backend.log")" >&2; exit 3 ;;
  esac

  # The backend's raw capacity on the same URLs at the same concurrency.
  timeout $((seconds + 60)) wrk -t 2 -c "$jobs" -d "${seconds}s" -s "$tmp/cycle.lua" "$url" \
    -- "$tmp/urls.txt" >"$tmp/wrk.txt" 2>&1
  wrk_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.txt")
  # What hisar's HTTP client reaches alone.
  reqwest_rps=$(timeout $((seconds + 60)) "$bench" fetch --base-url "$url" --targets "$tmp/urls.txt" \
    --jobs "$jobs" --seconds "$seconds" | awk '{ print $1 }')
  # What hyper's pooled client reaches alone, URLs parsed once.
  hyper_rps=$(timeout $((seconds + 60)) "$bench" fetch --client hyper --base-url "$url" \
    --targets "$tmp/urls.txt" --jobs "$jobs" --seconds "$seconds" | awk '{ print $1 }')

  # hisar sweep as a whole process: load the registry, probe, classify, record, render.
  rm -rf "$tmp/state" "$tmp/tracker.md" "$tmp/report.json"
  start=$(now)
  status=0
  NO_COLOR=1 timeout 300 /usr/bin/time -v -o "$tmp/time.txt" \
    "$hisar" sweep --registry "$tmp/hisar.yaml" --base-url "$url" --jobs "$jobs" \
    --state "$tmp/state" --tracker "$tmp/tracker.md" --json "$tmp/report.json" --fail-on never \
    >"$tmp/sweep.out" 2>"$tmp/sweep.err" || status=$?
  end=$(now)
  stop_backend

  line=$(grep -m1 '^swept ' "$tmp/sweep.err" || true)
  if [ "$status" -ne 0 ] || [ -z "$line" ]; then
    echo "hisar sweep failed (exit $status):" >&2
    cat "$tmp/sweep.err" >&2
    exit 3
  fi
  sent=$(sed -E 's/^swept [0-9]+ panels with ([0-9]+) requests.*/\1/' <<<"$line")
  # The probe phase (plan, probe, classify), from the sweep's recorded start and end.
  probe=$(awk -v a="$(json_time started_at "$tmp/report.json")" \
    -v b="$(json_time finished_at "$tmp/report.json")" 'BEGIN { print b - a }')
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
  rss_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time.txt")

  awk -v n="$n" -v req="$sent" -v wall="$wall" -v probe="$probe" -v wrk="$wrk_rps" \
    -v rq="$reqwest_rps" -v hy="$hyper_rps" -v rss="$rss_kib" 'BEGIN {
    printf "\nN=%d panels, %d requests\n", n, req
    printf "  hisar sweep, whole process: %.3f s wall, %.0f panels/s, %.0f requests/s, peak RSS %.1f MiB\n", wall, n / wall, req / wall, rss / 1024
    printf "  hisar sweep, probe phase:   %.3f s, %.0f requests/s\n", probe, req / probe
    printf "  wrk, same URLs and -c:      %.0f requests/s\n", wrk
    printf "  reqwest alone, same:        %.0f requests/s (%.2f of wrk)\n", rq, rq / wrk
    printf "  hyper alone, same:          %.0f requests/s (%.2f of wrk; %.2f of reqwest)\n", hy, hy / wrk, hy / rq
    printf "  hisar / wrk requests/s:     %.2f in the probe phase, %.2f over the whole process\n", req / probe / wrk, req / wall / wrk
  }'
  rows+=("$(awk -v n="$n" -v req="$sent" -v wall="$wall" -v probe="$probe" -v wrk="$wrk_rps" \
    -v rq="$reqwest_rps" -v hy="$hyper_rps" -v rss="$rss_kib" 'BEGIN {
    printf "| %d | %d | %.3f s | %.0f | %.3f s | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f | %.1f MiB |", n, req, wall, n / wall, probe, req / probe, rq, hy, wrk, req / probe / wrk, req / wall / wrk, rss / 1024
  }')")
done

printf '\n| panels | requests | wall | panels/s | probe phase | hisar req/s (probe) | reqwest alone req/s | hyper alone req/s | wrk req/s | hisar/wrk (probe) | hisar/wrk (process) | peak RSS |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
printf '%s\n' "${rows[@]}"
