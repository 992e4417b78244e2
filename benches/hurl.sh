#!/usr/bin/env bash
# HISAR beside Hurl 8.0.1 on the same small sweep: the synthetic registry of N panels (default
# 87, as many as the reference tracker) against the synthetic backend on loopback, 8 requests
# in flight each. Hurl runs one file per request the sweep sends, each asserting what HISAR
# checks of the panels that read it (status, JSON content type, HIL v1 provenance, every
# invariant; see benches/src/hurl.rs); `hurl --test --jobs 8`. HISAR runs `hisar sweep --jobs 8`
# and records the sweep in its state directory, as it always does. hyperfine times both,
# alternating, on the same machine.
#
#   benches/hurl.sh [-n PANELS] [-r RUNS]
#
# Needs hurl 8.0.1 (`apt-get install -y libclang-dev libcurl4-openssl-dev libxml2-dev &&
# cargo install hurl@8.0.1 --locked`) and hyperfine (`apt-get install -y hyperfine`).
set -euo pipefail

panels=87 runs=40
while getopts "n:r:h" opt; do
  case $opt in
    n) panels=$OPTARG ;;
    r) runs=$OPTARG ;;
    *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
missing=()
command -v hurl >/dev/null || missing+=("hurl 8.0.1: apt-get install -y libclang-dev libcurl4-openssl-dev libxml2-dev && cargo install hurl@8.0.1 --locked")
command -v hyperfine >/dev/null || missing+=("hyperfine: apt-get install -y hyperfine")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'hurl.sh needs:\n' >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 2
fi
hurl --version | head -n 1 | grep -q '^hurl 8\.0\.1 ' ||
  echo "warning: $(hurl --version | head -n 1), not hurl 8.0.1" >&2

echo "== building release binaries (hisar, hisar-bench-backend)" >&2
cargo build --release --quiet -p hisar-cli -p hisar-benches --bins
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
hisar="$target_dir/release/hisar"
bench="$target_dir/release/hisar-bench-backend"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hisar-hurl-bench.XXXXXX")
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
"$bench" hurl --panels "$panels" --shared 50 --out "$tmp/hurl"
exec 3> >(exec "$bench" serve --panels "$panels" --shared 50 --watch-stdin --lifetime 1800 \
  >"$tmp/backend.url" 2>"$tmp/backend.log")
backend_pid=$!
for _ in $(seq 100); do [ -s "$tmp/backend.url" ] && break; sleep 0.1; done
url=$(head -n 1 "$tmp/backend.url")
case $url in http://127.0.0.1:*) ;; *) echo "backend did not start: $(cat "$tmp/backend.log")" >&2; exit 3 ;; esac

files=("$tmp"/hurl/*.hurl)
# Both see the same answers: Hurl's failing files are the endpoints HISAR finds missing or
# without provenance.
hurl_status=0
hurl --test --jobs 8 --variable "base_url=$url" "${files[@]}" >"$tmp/hurl.out" 2>&1 || hurl_status=$?
hisar_cmd="$hisar sweep --registry $tmp/hisar.yaml --base-url $url --jobs 8 --state $tmp/state --fail-on never"
$hisar_cmd >"$tmp/hisar.out" 2>&1

printf '\n%s, commit %s, %s CPUs; %s panels, %s requests; hurl exit %s (%s)\n' \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')" \
  "$(nproc)" "$panels" "${#files[@]}" "$hurl_status" \
  "$(grep -E 'Succeeded files|Failed files' "$tmp/hurl.out" | tr -s ' ' | tr '\n' ' ')"
grep -E '^gaps:' "$tmp/hisar.out" || true

hyperfine -N --warmup 3 --runs "$runs" --ignore-failure --export-json "$tmp/times.json" \
  -n hisar "$hisar_cmd" \
  -n hurl "hurl --test --jobs 8 --variable base_url=$url ${files[*]}" >"$tmp/hyperfine.txt"
cat "$tmp/hyperfine.txt"

# mean and median of each, from hyperfine's export.
stats() {
  tr -d '\n ' <"$tmp/times.json" | sed 's/"command":/\n"command":/g' | grep "^\"command\":\"$1\"" |
    sed -E 's/.*"mean":([0-9.e-]+).*"median":([0-9.e-]+).*/\1 \2/'
}
read -r hisar_mean hisar_median < <(stats hisar)
read -r hurl_mean hurl_median < <(stats hurl)
awk -v a="$hisar_mean" -v b="$hurl_mean" -v c="$hisar_median" -v d="$hurl_median" -v n="$panels" 'BEGIN {
  printf "| | hisar sweep --jobs 8 | hurl --test --jobs 8 | hisar / hurl |\n|---|---:|---:|---:|\n"
  printf "| mean | %.1f ms | %.1f ms | %.2f |\n", a * 1000, b * 1000, a / b
  printf "| median | %.1f ms | %.1f ms | %.2f |\n", c * 1000, d * 1000, c / d
  printf "goal: %d panels: hisar / hurl 8.0.1: %.2f (median), %.2f (mean)\n", n, c / d, a / b
}'
