#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each (default 600) and prints the
# executions of each run. New inputs go to fuzz/corpus/TARGET (not in git); the seeds in
# fuzz/seeds/TARGET are read, never written. A crash stops its target and is saved in
# fuzz/artifacts/TARGET/. Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(registry invariant routes import_tracker import_aurora classify)
fi
# cargo-fuzz needs nightly for -Zsanitizer; with only a stable toolchain, RUSTC_BOOTSTRAP=1
# lets it take the -Z flags (the usual workaround; set FUZZ_TOOLCHAIN=stable for it).
toolchain="${FUZZ_TOOLCHAIN:-nightly}"
if [ "$toolchain" = stable ]; then
  export RUSTC_BOOTSTRAP=1
  run=(cargo fuzz)
else
  run=(cargo "+$toolchain" fuzz)
fi
extra_corpus() {
  # Real data beside the repository, read-only, when it is there.
  case "$1" in
    import_tracker) [ -d ../shared/reference ] && echo ../shared/reference ;;
  esac
  return 0
}
mkdir -p fuzz/logs
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  log="fuzz/logs/$target.log"
  started=$SECONDS
  # shellcheck disable=SC2046
  "${run[@]}" run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" $(extra_corpus "$target") \
    -- -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1 \
    && status=ok || status="FAILED (see $log and fuzz/artifacts/$target/)"
  # The executions libFuzzer reports at its end, or the last count it printed before a crash.
  execs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)"
  [ -n "$execs" ] || execs="$(grep -o '^#[0-9]*' "$log" | tr -d '#' | tail -1)"
  echo "$target: ${execs:-?} executions in $((SECONDS - started))s (build included): $status"
done
