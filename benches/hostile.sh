#!/usr/bin/env bash
# Issue 11's acceptance, measured (see BENCHMARKS.md): a release `hisar` against hostile peers
# on loopback.
#
#   benches/hostile.sh [-c CONNECTIONS]
#
# 1. sweep: `hisar sweep` of the demo registry against a backend whose route table and every
#    answer are endless (chunked, never finished): exit code, wall time, peak RSS
#    (/usr/bin/time -v), with the default caps (8 MiB a body, 32 MiB a route table).
# 2. serve: `hisar serve` with CONNECTIONS (default 10000) idle connections open and a
#    half-sent request: /healthz latency (five fresh connections), then SIGTERM and the time
#    until the process is gone.
# 3. serve under load: 32 clients reading /api/v1/panels of a 10,000-panel registry (one
#    sweep recorded) for 10 s while /healthz is asked every 50 ms: its latency, and how the
#    panel reads were answered (200, or 503 shed).
# Traffic goes to 127.0.0.1 only; every process is bounded in time and stops by itself.
set -euo pipefail

connections=10000
while getopts "c:h" opt; do
  case $opt in
    c) connections=$OPTARG ;;
    *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x /usr/bin/time ] || { echo "hostile.sh needs /usr/bin/time (apt-get install -y time)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "hostile.sh needs python3" >&2; exit 2; }

echo "== building the release binaries" >&2
cargo build --release --quiet -p hisar-cli -p hisar-benches --bins
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
hisar="$target_dir/release/hisar"
bench="$target_dir/release/hisar-bench-backend"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hisar-hostile.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# An endless backend: every request gets a chunked body that never ends (for 5 minutes at
# most, then the server exits).
cat >"$tmp/endless.py" <<'PY'
import asyncio, sys
CHUNK = b"%x\r\n%s\r\n" % (65536, b"[" + b"1," * 32767 + b"1")
async def answer(reader, writer):
    try:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
        while True:
            writer.write(CHUNK)
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()
async def main():
    server = await asyncio.start_server(answer, "127.0.0.1", int(sys.argv[1]), backlog=1024)
    async with server:
        await asyncio.sleep(300)
asyncio.run(main())
PY

echo "== 1. sweep against an endless route table and endless bodies" >&2
port=$(free_port)
python3 "$tmp/endless.py" "$port" & pids+=($!)
sleep 1
"$hisar" demo --out "$tmp/demo" >/dev/null 2>&1 # writes the demo registry
set +e
# The demo registry's credential is set: a panel whose credential is unset is not probed
# (SPEC §3.5), and then no body would be read at all.
AOS_API_KEY=hostile-bench-key /usr/bin/time -v "$hisar" sweep -r "$tmp/demo/hisar.yaml" --state "$tmp/state" \
  --base-url "http://127.0.0.1:$port" --routes "http://127.0.0.1:$port/openapi.json" \
  --tracker "$tmp/t.md" >"$tmp/sweep.out" 2>"$tmp/sweep.err"
code=$?
set -e
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/sweep.err")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/sweep.err")
grep -E "warning|swept|TOTAL|gate" "$tmp/sweep.err" | sed 's/^/   /' >&2 || true
echo "sweep: exit $code, wall $wall, peak RSS $((rss_kb / 1024)) MiB ($rss_kb kB)"
kill -TERM "${pids[-1]}" 2>/dev/null || true

echo "== 2. serve with $connections idle connections" >&2
port=$(free_port)
HISAR_TOKEN= "$hisar" serve -r "$tmp/demo/hisar.yaml" --state "$tmp/serve-state" \
  --base-url "http://127.0.0.1:9" --listen "127.0.0.1:$port" 2>"$tmp/serve.err" &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 100); do grep -q dashboard "$tmp/serve.err" 2>/dev/null && break; sleep 0.1; done

cat >"$tmp/idle.py" <<'PY'
import os, resource, signal, socket, sys, time
port, n, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1000), hard))
idle = []
started = time.monotonic()
for _ in range(n):
    s = socket.socket()
    s.settimeout(10)
    try:
        s.connect(("127.0.0.1", port))
    except OSError as e:
        print(f"   connect failed after {len(idle)}: {e}", file=sys.stderr)
        break
    idle.append(s)
print(f"idle connections opened: {len(idle)} in {time.monotonic() - started:.1f}s")
half = socket.create_connection(("127.0.0.1", port))
half.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
worst = 0.0
for i in range(5):
    t = time.monotonic()
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    c.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    c.close()
    ms = (time.monotonic() - t) * 1000
    worst = max(worst, ms)
    print(f"   /healthz #{i + 1}: {data.split(b' ', 2)[1].decode() if data else 'no answer'} in {ms:.1f} ms", file=sys.stderr)
print(f"healthz worst of 5: {worst:.1f} ms")
t = time.monotonic()
os.kill(pid, signal.SIGTERM)
def running():
    # Gone, or a zombie waiting for the shell to reap it: either way, it has exited.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
while running():
    if time.monotonic() - t > 30:
        print("serve still running 30 s after SIGTERM")
        sys.exit(1)
    time.sleep(0.005)
print(f"exit after SIGTERM: {(time.monotonic() - t) * 1000:.0f} ms")
PY
python3 "$tmp/idle.py" "$port" "$connections" "$serve_pid"
wait "$serve_pid" 2>/dev/null && echo "serve exit code: 0" || echo "serve exit code: $?"

echo "== 3. serve under 32 readers of a 10,000-panel /api/v1/panels" >&2
"$bench" registry --panels 10000 --shared 50 >"$tmp/big.yaml"
"$bench" serve --panels 10000 --shared 50 --lifetime 300 >"$tmp/backend.url" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/backend.url" ] && break; sleep 0.1; done
backend=$(head -n 1 "$tmp/backend.url")
"$hisar" sweep -r "$tmp/big.yaml" --state "$tmp/big-state" --base-url "$backend" \
  --fail-on never >/dev/null 2>&1
port=$(free_port)
"$hisar" serve -r "$tmp/big.yaml" --state "$tmp/big-state" --base-url "$backend" \
  --listen "127.0.0.1:$port" 2>"$tmp/serve-big.err" &
big_pid=$!
pids+=("$big_pid")
for _ in $(seq 100); do grep -q dashboard "$tmp/serve-big.err" 2>/dev/null && break; sleep 0.1; done
cat >"$tmp/load.py" <<'PY'
import socket, sys, threading, time
port = int(sys.argv[1])
def get(path, timeout=60):
    c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    c.sendall(f"GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
    c.close()
    return data.split(b" ", 2)[1].decode() if data else "none"
stop = time.monotonic() + 10
codes = {}
lock = threading.Lock()
def reader():
    while time.monotonic() < stop:
        code = get("/api/v1/panels")
        with lock:
            codes[code] = codes.get(code, 0) + 1
threads = [threading.Thread(target=reader) for _ in range(32)]
for t in threads:
    t.start()
latencies = []
while time.monotonic() < stop:
    t = time.monotonic()
    assert get("/healthz", timeout=30) == "200"
    latencies.append((time.monotonic() - t) * 1000)
    time.sleep(0.05)
for t in threads:
    t.join()
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(f"healthz under load: {len(latencies)} asks, median {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {latencies[-1]:.1f} ms")
print("panels answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(codes.items())))
PY
python3 "$tmp/load.py" "$port"
kill -TERM "$big_pid" 2>/dev/null || true
wait "$big_pid" 2>/dev/null || true
