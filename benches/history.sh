#!/usr/bin/env bash
# History growth: does a sweep, `hisar report` and `hisar list` cost the same after K stored
# sweeps as after one? Records K sweeps of a synthetic registry against the synthetic backend
# on loopback, measuring sweep #1 and sweep #K (wall, CPU time, peak RSS), and `report` and
# `list` after the first sweep and after the last (medians of R runs, peak RSS). CPU time
# (user + system) says the same as wall time on a quiet machine, and still holds on a busy one.
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

# Runs a command REPEATS times; prints "MEDIAN_WALL MEDIAN_CPU MAX_RSS_KIB".
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
measure() {
  local runs
  runs=$(for _ in $(seq "$repeats"); do measure_once "$@"; done)
  echo "$(cut -d' ' -f1 <<<"$runs" | median) $(cut -d' ' -f2 <<<"$runs" | median) $(cut -d' ' -f3 <<<"$runs" | sort -n | tail -n 1)"
}

state="$tmp/state"
sweep_cmd=("$hisar" sweep --registry "$tmp/hisar.yaml" --base-url "$url" --jobs 16 --state "$state"
  --tracker "$tmp/tracker.md" --json "$tmp/report.json" --fail-on never)
report_cmd=("$hisar" report --registry "$tmp/hisar.yaml" --state "$state" --tracker "$tmp/again.md"
  --json "$tmp/again.json")
list_cmd=("$hisar" list --registry "$tmp/hisar.yaml" --state "$state" --format json)

printf '\n%s, commit %s, %s CPUs; %s panels, %s sweeps, medians of %s runs\n' \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')" \
  "$(nproc)" "$panels" "$sweeps" "$repeats"

read -r s1_wall s1_cpu s1_rss < <(measure_once "${sweep_cmd[@]}")
read -r r1_wall r1_cpu r1_rss < <(measure "${report_cmd[@]}")
read -r l1_wall l1_cpu l1_rss < <(measure "${list_cmd[@]}")
walls=("$s1_wall") cpus=("$s1_cpu")
for i in $(seq 2 $((sweeps - 1))); do
  read -r w c _ < <(measure_once "${sweep_cmd[@]}")
  walls+=("$w") cpus+=("$c")
  [ $((i % 10)) -eq 0 ] && echo "  ... $i sweeps recorded" >&2
done
read -r sk_wall sk_cpu sk_rss < <(measure_once "${sweep_cmd[@]}")
walls+=("$sk_wall") cpus+=("$sk_cpu")
read -r rk_wall rk_cpu rk_rss < <(measure "${report_cmd[@]}")
read -r lk_wall lk_cpu lk_rss < <(measure "${list_cmd[@]}")
cmp -s "$tmp/tracker.md" "$tmp/again.md" || { echo "report after sweep #$sweeps differs from the sweep's tracker" >&2; exit 3; }

# Medians of sweeps 2-4 and of the last three, which the first sweep's one-off costs (creating
# the database) do not weigh on.
early=$(printf '%s\n' "${walls[@]:1:3}" | sort -n | sed -n 2p)
late=$(printf '%s\n' "${walls[@]: -3}" | sort -n | sed -n 2p)
early_cpu=$(printf '%s\n' "${cpus[@]:1:3}" | sort -n | sed -n 2p)
late_cpu=$(printf '%s\n' "${cpus[@]: -3}" | sort -n | sed -n 2p)
db_kib=$(du -k "$state" | tail -n 1 | cut -f1)

awk -v k="$sweeps" -v n="$panels" -v s1w="$s1_wall" -v s1c="$s1_cpu" -v s1r="$s1_rss" \
  -v skw="$sk_wall" -v skc="$sk_cpu" -v skr="$sk_rss" -v early="$early" -v late="$late" \
  -v earlyc="$early_cpu" -v latec="$late_cpu" \
  -v r1w="$r1_wall" -v r1c="$r1_cpu" -v r1r="$r1_rss" -v rkw="$rk_wall" -v rkc="$rk_cpu" -v rkr="$rk_rss" \
  -v l1w="$l1_wall" -v l1c="$l1_cpu" -v l1r="$l1_rss" -v lkw="$lk_wall" -v lkc="$lk_cpu" -v lkr="$lk_rss" \
  -v db="$db_kib" 'BEGIN {
  printf "| measure | after 1 sweep | after %d sweeps | ratio |\n|---|---:|---:|---:|\n", k
  printf "| sweep #1 / #%d, wall | %.3f s | %.3f s | %.2f |\n", k, s1w, skw, skw / s1w
  printf "| sweep #1 / #%d, CPU | %.3f s | %.3f s | %.2f |\n", k, s1c, skc, skc / s1c
  printf "| sweep #1 / #%d, peak RSS | %.1f MiB | %.1f MiB | %.2f |\n", k, s1r / 1024, skr / 1024, skr / s1r
  printf "| sweeps #2-4 / #%d-%d, median wall | %.3f s | %.3f s | %.2f |\n", k - 2, k, early, late, late / early
  printf "| sweeps #2-4 / #%d-%d, median CPU | %.3f s | %.3f s | %.2f |\n", k - 2, k, earlyc, latec, latec / earlyc
  printf "| report (tracker + JSON), median wall | %.3f s | %.3f s | %.2f |\n", r1w, rkw, rkw / r1w
  printf "| report, median CPU | %.3f s | %.3f s | %.2f |\n", r1c, rkc, rkc / r1c
  printf "| report, peak RSS | %.1f MiB | %.1f MiB | %.2f |\n", r1r / 1024, rkr / 1024, rkr / r1r
  printf "| list --format json, median wall | %.3f s | %.3f s | %.2f |\n", l1w, lkw, lkw / l1w
  printf "| list, median CPU | %.3f s | %.3f s | %.2f |\n", l1c, lkc, lkc / l1c
  printf "| list, peak RSS | %.1f MiB | %.1f MiB | %.2f |\n", l1r / 1024, lkr / 1024, lkr / l1r
  printf "state directory after %d sweeps: %.1f MiB\n", k, db / 1024
  printf "goal: sweep #%d / #1, %d panels: wall %.2f (CPU %.2f; sweeps #2-4 to #%d-%d: wall %.2f, CPU %.2f), peak RSS %.2f\n", k, n, skw / s1w, skc / s1c, k - 2, k, late / early, latec / earlyc, skr / s1r
  printf "goal: report, list after %d sweeps / after 1: wall %.2f, %.2f (CPU %.2f, %.2f; peak RSS %.2f, %.2f)\n", k, rkw / r1w, lkw / l1w, rkc / r1c, lkc / l1c, rkr / r1r, lkr / l1r
}'
