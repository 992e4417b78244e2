#!/usr/bin/env bash
# Every row of the goals table in BENCHMARKS.md, in one run: the criterion benches the table
# names, peak RSS of loading a 100,000-panel registry, the sweep benchmark at 10,000 panels,
# history growth over 100 sweeps, HISAR beside Hurl 8.0.1 at 87 panels, and the service beside
# an axum hello-world. Each part's full output goes to OUT_DIR (default: a new temporary
# directory); the goal lines are printed at the end. About 15 minutes on 2 cores.
#
#   benches/goals.sh [OUT_DIR]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/hisar-goals.XXXXXX")}
mkdir -p "$out"
echo "== outputs in $out" >&2

{
  echo "$(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  rustc --version
} | tee "$out/machine.txt" >&2

echo "== criterion: classify/bound, report/markdown_100000, snapshots, registry" >&2
cargo bench -p hisar-benches --bench classify --bench report --bench registry -- \
  'classify/bound$|report/|registry/from_yaml' 2>&1 | tee "$out/criterion.txt" >&2

echo "== peak RSS of hisar validate, 100,000 panels" >&2
cargo build --release --quiet -p hisar-cli -p hisar-benches --bins
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
registry=$(mktemp "${TMPDIR:-/tmp}/hisar-100k.XXXXXX.yaml")
"$target_dir/release/hisar-bench-backend" registry --panels 100000 --shared 50 >"$registry"
/usr/bin/time -f "%e s %M KiB" -o "$out/validate.txt" "$target_dir/release/hisar" validate "$registry" >/dev/null 2>&1
rm -f "$registry"
cat "$out/validate.txt" >&2

echo "== sweep benchmark, 10,000 panels" >&2
benches/sweep.sh 10000 2>&1 | tee "$out/sweep.txt" >&2
echo "== history growth" >&2
benches/history.sh 2>&1 | tee "$out/history.txt" >&2
echo "== hisar beside hurl" >&2
benches/hurl.sh 2>&1 | tee "$out/hurl.txt" >&2
echo "== service" >&2
benches/service.sh 2>&1 | tee "$out/service.txt" >&2
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt" >&2

echo
cat "$out/machine.txt"
grep -h '^goal:' "$out"/history.txt "$out"/hurl.txt "$out"/service.txt
awk '{ printf "goal: peak RSS, hisar validate of 100,000 panels: %.1f MiB (%s s)\n", $3 / 1024, $1 }' "$out/validate.txt"
grep -A1 '^| 10000 ' "$out/sweep.txt" | head -n 1 |
  awk -F'|' '{ printf "goal: 10k panels, probe-phase req/s / wrk; whole process / wrk:%s;%s\n", $11, $12 }'
# The first `time:` after a bench's name is its estimate; a later one is the change from the
# previous run.
awk '/^[a-z_]+\/[^ ]+/ { name = $1 }
  /time: +\[/ && name != "" { sub(/.*time: +\[[^ ]+ [^ ]+ /, ""); split($0, v, " ");
    printf "goal: criterion %s: %s %s\n", name, v[1], v[2]; name = "" }' \
  "$out/criterion.txt" | grep -E 'classify/bound|markdown_100000|snapshot|ledger_state|from_yaml'
