#!/usr/bin/env bash
# HISAR beside Hurl 8.0.1 on the same small sweep: the synthetic registry of N panels (default
# 87, as many as the reference tracker) against the synthetic backend on loopback, 8 requests
# in flight each. Hurl runs one file per request the sweep sends, each asserting what HISAR
# checks of the panels that read it (status, JSON content type, HIL v1 provenance, every
# invariant; see benches/src/hurl.rs); `hurl --test --jobs 8`. HISAR runs `hisar sweep --jobs 8`
# and records the sweep in its state directory, as it always does. The two run alternately,
# RUNS times each after three warm-up runs, so that a change of load on a shared machine
# weighs on both alike; wall time (median and mean) and CPU time (user + system, mean).
#
#   benches/hurl.sh [-n PANELS] [-r RUNS]
#
# Needs hurl 8.0.1 (`apt-get install -y libclang-dev libcurl4-openssl-dev libxml2-dev &&
# cargo install hurl@8.0.1 --locked`) and /usr/bin/time (`apt-get install -y time`).
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
[ -x /usr/bin/time ] || missing+=("/usr/bin/time: apt-get install -y time")
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

hurl_cmd=(hurl --test --jobs 8 --variable "base_url=$url" "${files[@]}")
# One timed run: "NAME WALL_SECONDS CPU_SECONDS".
run() {
  local name=$1 start end
  shift
  start=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$tmp/time.txt" "$@" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  tail -n 1 "$tmp/time.txt" | awk -v n="$name" -v a="$start" -v b="$end" '{ printf "%s %.6f %.3f\n", n, (b - a) / 1e9, $1 + $2 }'
}
for _ in 1 2 3; do
  # shellcheck disable=SC2086 # the command is words without spaces
  run hisar $hisar_cmd >/dev/null
  run hurl "${hurl_cmd[@]}" >/dev/null
done
: >"$tmp/runs.txt"
for _ in $(seq "$runs"); do
  # shellcheck disable=SC2086
  run hisar $hisar_cmd >>"$tmp/runs.txt"
  run hurl "${hurl_cmd[@]}" >>"$tmp/runs.txt"
done

# median wall, mean wall, mean CPU of one command.
stats() {
  awk -v n="$1" '$1 == n { print $2, $3 }' "$tmp/runs.txt" | sort -n |
    awk '{ w[NR] = $1; sw += $1; sc += $2 } END { printf "%.6f %.6f %.6f\n", w[int((NR + 1) / 2)], sw / NR, sc / NR }'
}
read -r hisar_median hisar_mean hisar_cpu < <(stats hisar)
read -r hurl_median hurl_mean hurl_cpu < <(stats hurl)
awk -v a="$hisar_median" -v b="$hurl_median" -v c="$hisar_mean" -v d="$hurl_mean" \
  -v e="$hisar_cpu" -v f="$hurl_cpu" -v n="$panels" -v r="$runs" 'BEGIN {
  printf "| %d alternating runs each | hisar sweep --jobs 8 | hurl --test --jobs 8 | hisar / hurl |\n|---|---:|---:|---:|\n", r
  printf "| wall, median | %.1f ms | %.1f ms | %.2f |\n", a * 1000, b * 1000, a / b
  printf "| wall, mean | %.1f ms | %.1f ms | %.2f |\n", c * 1000, d * 1000, c / d
  printf "| CPU (user + system), mean | %.1f ms | %.1f ms | %.2f |\n", e * 1000, f * 1000, e / f
  printf "goal: %d panels: hisar / hurl 8.0.1: wall %.2f (median), %.2f (mean); CPU %.2f\n", n, a / b, c / d, e / f
}'
