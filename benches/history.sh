#!/usr/bin/env bash
# History growth: does a sweep, `hisar report` and `hisar list` cost the same after K stored
# sweeps as after one? Records one sweep of a synthetic registry (state ONE) and K (state
# MANY) against the synthetic backend on loopback, then measures, alternating between the two
# states R times so that a change of load on a shared machine weighs on both alike: a sweep
# (on a fresh copy of ONE, the second sweep of its history; on MANY, the K+1st and after),
# `report` and `list`; medians of wall and CPU time (user + system), and peak RSS. Sweep #1
# itself (which also creates the database) is measured once.
#
#   benches/history.sh [-n PANELS] [-k SWEEPS] [-r REPEATS]
#
# PANELS defaults to 10000, SWEEPS to 100, REPEATS to 5. See BENCHMARKS.md. Traffic goes to
# 127.0.0.1 only; every process is bounded in time.
set -euo pipefail

panels=10000 sweeps=100 repeats=5
while getopts "n:k:r:h" opt; do
  case $opt in
    n) panels=$OPTARG ;;
    k) sweeps=$OPTARG ;;
    r) repeats=$OPTARG ;;
    *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
[ "$sweeps" -ge 2 ] || { echo "SWEEPS must be at least 2" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x /usr/bin/time ] || { echo "history.sh needs /usr/bin/time (Debian package time)" >&2; exit 2; }

echo "== building release binaries (hisar, hisar-bench-backend)" >&2
cargo build --release --quiet -p hisar-cli -p hisar-benches --bins
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
hisar="$target_dir/release/hisar"
bench="$target_dir/release/hisar-bench-backend"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hisar-history-bench.XXXXXX")
backend_pid=
cleanup() {
  if [ -n "$backend_pid" ]; then
    exec 3>&-
    kill -TERM "$backend_pid" 2>/dev/null || true
    wait "$backend_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bench" registry --panels "$panels" --shared 50 >"$tmp/hisar.yaml"
exec 3> >(exec "$bench" serve --panels "$panels" --shared 50 --watch-stdin --lifetime 3600 \
  >"$tmp/backend.url" 2>"$tmp/backend.log")
backend_pid=$!
for _ in $(seq 100); do [ -s "$tmp/backend.url" ] && break; sleep 0.1; done
url=$(head -n 1 "$tmp/backend.url")
case $url in http://127.0.0.1:*) ;; *) echo "backend did not start: $(cat "$tmp/backend.log")" >&2; exit 3 ;; esac

now() { date +%s.%N; }

# Runs a command once under /usr/bin/time; prints "WALL_SECONDS CPU_SECONDS PEAK_RSS_KIB".
measure_once() {
  local start end
  start=$(now)
  NO_COLOR=1 timeout 600 /usr/bin/time -f "%U %S %M" -o "$tmp/time.txt" "$@" >"$tmp/out.txt" 2>"$tmp/err.txt" || {
    echo "failed: $*" >&2; cat "$tmp/err.txt" >&2; exit 3; }
  end=$(now)
  tail -n 1 "$tmp/time.txt" | awk -v a="$start" -v b="$end" '{ printf "%.4f %.3f %d\n", b - a, $1 + $2, $3 }'
}

# The median of numbers, one a line.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

one="$tmp/one" many="$tmp/many"
sweep_cmd() { echo "$hisar" sweep --registry "$tmp/hisar.yaml" --base-url "$url" --jobs 16 --state "$1" \
  --tracker "$tmp/tracker.md" --json "$tmp/report.json" --fail-on never; }
report_cmd() { echo "$hisar" report --registry "$tmp/hisar.yaml" --state "$1" --tracker "$tmp/again.md" \
  --json "$tmp/again.json"; }
list_cmd() { echo "$hisar" list --registry "$tmp/hisar.yaml" --state "$1" --format json; }

printf '\n%s, commit %s, %s CPUs; %s panels, %s sweeps, medians of %s alternating runs\n' \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')" \
  "$(nproc)" "$panels" "$sweeps" "$repeats"

# shellcheck disable=SC2046 # the commands are words without spaces
read -r first_wall first_cpu first_rss < <(measure_once $(sweep_cmd "$one"))
cp -r "$one" "$many"
for i in $(seq 2 "$sweeps"); do
  # shellcheck disable=SC2046
  measure_once $(sweep_cmd "$many") >/dev/null
  [ $((i % 10)) -eq 0 ] && echo "  ... $i sweeps recorded" >&2
done
# The tracker rendered from history alone is the one the last sweep wrote.
# shellcheck disable=SC2046
measure_once $(report_cmd "$many") >/dev/null
cmp -s "$tmp/tracker.md" "$tmp/again.md" || { echo "report after $sweeps sweeps differs from the sweep's tracker" >&2; exit 3; }

: >"$tmp/runs.txt"
for r in $(seq "$repeats"); do
  rm -rf "$tmp/copy" && cp -r "$one" "$tmp/copy"
  # shellcheck disable=SC2046
  for what in "sweep one $(sweep_cmd "$tmp/copy")" "sweep many $(sweep_cmd "$many")" \
    "report one $(report_cmd "$one")" "report many $(report_cmd "$many")" \
    "list one $(list_cmd "$one")" "list many $(list_cmd "$many")"; do
    set -- $what
    echo "$1 $2 $(shift 2; measure_once "$@")" >>"$tmp/runs.txt"
  done
  echo "  ... round $r of $repeats" >&2
done
db_kib=$(du -k "$many" | tail -n 1 | cut -f1)

# MEDIAN_WALL MEDIAN_CPU MAX_RSS of one measure and state.
stats() {
  local rows
  rows=$(awk -v w="$1" -v s="$2" '$1 == w && $2 == s { print $3, $4, $5 }' "$tmp/runs.txt")
  echo "$(cut -d' ' -f1 <<<"$rows" | median) $(cut -d' ' -f2 <<<"$rows" | median) $(cut -d' ' -f3 <<<"$rows" | sort -n | tail -n 1)"
}
{
  for what in sweep report list; do
    echo "$what $(stats "$what" one) $(stats "$what" many)"
  done
} | awk -v k="$sweeps" -v n="$panels" -v fw="$first_wall" -v fc="$first_cpu" -v fr="$first_rss" -v db="$db_kib" '
  BEGIN { printf "| measure | after 1 sweep | after %d sweeps | ratio |\n|---|---:|---:|---:|\n", k }
  {
    label = $1 == "sweep" ? "sweep (the next one)" : ($1 == "report" ? "report (tracker + JSON)" : "list --format json")
    printf "| %s, median wall | %.3f s | %.3f s | %.2f |\n", label, $2, $5, $5 / $2
    printf "| %s, median CPU | %.3f s | %.3f s | %.2f |\n", label, $3, $6, $6 / $3
    printf "| %s, peak RSS | %.1f MiB | %.1f MiB | %.2f |\n", label, $4 / 1024, $7 / 1024, $7 / $4
    w[$1] = $5 / $2; c[$1] = $6 / $3; r[$1] = $7 / $4
  }
  END {
    printf "sweep #1 (creating the database): %.3f s wall, %.3f s CPU, %.1f MiB\n", fw, fc, fr / 1024
    printf "state directory after %d sweeps: %.1f MiB\n", k, db / 1024
    printf "goal: sweep after %d sweeps / after 1, %d panels: wall %.2f, CPU %.2f, peak RSS %.2f\n", k, n, w["sweep"], c["sweep"], r["sweep"]
    printf "goal: report, list after %d sweeps / after 1: wall %.2f, %.2f; CPU %.2f, %.2f; peak RSS %.2f, %.2f\n", k, w["report"], w["list"], c["report"], c["list"], r["report"], r["list"]
  }'
