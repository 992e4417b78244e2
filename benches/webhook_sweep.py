"""benches/webhook_sweep.py: python3 benches/webhook_sweep.py target/debug/hisar [N]

Sweep time of `hisar serve` with no webhook, a black-hole receiver (accepts, never answers)
and a refused port, alternating; each sweep is the first of a fresh state (64 new gaps: an
event is sent). Prints one line per run and the medians."""
import json, os, re, socket, subprocess, sys, tempfile, threading, time, urllib.request, statistics, http.server

HISAR = sys.argv[1]; N = int(sys.argv[2]) if len(sys.argv) > 2 else 5
work = tempfile.mkdtemp()
demo = subprocess.Popen([HISAR, "demo", "--serve", "--out", work + "/d", "--listen", "127.0.0.1:0"],
                        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env={**os.environ, "NO_COLOR": "1"})
backend = key = None
for line in demo.stderr:
    m = re.match(r"demo backend: (\S+)", line); backend = backend or (m and m.group(1))
    m = re.match(r"its key: AOS_API_KEY=(\S+)", line); key = key or (m and m.group(1))
    if backend and key: break
threading.Thread(target=lambda: [None for _ in demo.stderr], daemon=True).start()

# A black hole: accepts connections, reads, never answers.
hole = socket.socket(); hole.bind(("127.0.0.1", 0)); hole.listen(64)
held = []
def swallow():
    while True:
        c, _ = hole.accept(); held.append(c)
threading.Thread(target=swallow, daemon=True).start()
# A refused port.
s = socket.socket(); s.bind(("127.0.0.1", 0)); refused = s.getsockname()[1]; s.close()
# A receiver that keeps the events.
events = []
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        events.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
ok = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=ok.serve_forever, daemon=True).start()

cases = {
    "none": [],
    "black-hole": ["--webhook", f"http://127.0.0.1:{hole.getsockname()[1]}/services/T0/B0/secret"],
    "refused": ["--webhook", f"http://127.0.0.1:{refused}/services/T0/B0/secret"],
    "ok": ["--webhook", f"http://127.0.0.1:{ok.server_address[1]}/hook"],
}
times = {k: [] for k in cases}
for i in range(N):
    for name, flags in cases.items():
        state = tempfile.mkdtemp()
        env = {**os.environ, "NO_COLOR": "1", "AOS_API_KEY": key, "HISAR_TOKEN": "measure-t0ken"}
        p = subprocess.Popen([HISAR, "serve", "-r", work + "/d/hisar.yaml", "--state", state, "--listen", "127.0.0.1:0",
                              "--base-url", backend, *flags], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
        url = None
        for line in p.stderr:
            m = re.match(r"dashboard: (\S+)/", line)
            if m: url = m.group(1); break
        threading.Thread(target=lambda p=p: [None for _ in p.stderr], daemon=True).start()
        req = urllib.request.Request(url + "/api/v1/sweeps", method="POST", headers={"Authorization": "Bearer measure-t0ken"})
        t0 = time.monotonic()
        sid = json.load(urllib.request.urlopen(req))["sweep"]
        while True:
            doc = json.load(urllib.request.urlopen(f"{url}/api/v1/sweeps"))
            if doc["running"] is None and any(s["id"] == sid and s["status"] == "complete" for s in doc["sweeps"]):
                break
            time.sleep(0.005)
        dt = time.monotonic() - t0
        times[name].append(dt)
        print(f"run {i+1} {name:10s} {dt*1000:7.1f} ms", flush=True)
        p.terminate(); p.wait()
for name, ts in times.items():
    print(f"median {name:10s} {statistics.median(ts)*1000:7.1f} ms  (n={len(ts)})")
base = statistics.median(times["none"])
for name in cases:
    print(f"ratio {name:10s} / none = {statistics.median(times[name])/base:.2f}")
if events:
    e = events[0]
    e["new"] = e["new"][:2]
    print("EVENT", json.dumps(e, ensure_ascii=False, indent=2))
demo.terminate()
