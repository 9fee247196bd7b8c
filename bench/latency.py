#!/usr/bin/env python3
"""Report committed → webhook received, on loopback, through the real `whistle serve` (release build).

Submits N reports through the resident form (GET for the token, multipart POST), a real HTTP receiver
records when each signed webhook arrives, and the latency is arrival minus the report's created_at as
stored in the database. Prints p50 / p90 / p99 / max. Usage: bench/latency.py [N] (default 300).
"""
import http.server
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timezone

N = int(sys.argv[1]) if len(sys.argv) > 1 else 300
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# WHISTLE_BIN runs another build (an earlier commit's, for a baseline in the same run).
BIN = os.environ.get("WHISTLE_BIN")
if not BIN:
    subprocess.run(["swift", "build", "-c", "release", "--product", "whistle"], cwd=ROOT, check=True, capture_output=True)
    BIN = os.path.join(subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                                      capture_output=True, text=True).stdout.strip(), "whistle")
arrivals = {}


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        at = time.time()
        body = self.rfile.read(int(self.headers["Content-Length"]))
        number = json.loads(body)["report"]["number"]
        arrivals.setdefault(number, at)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


work = tempfile.mkdtemp(prefix="whistle-latency-")
hook_port, port = free_port(), free_port()
receiver = http.server.ThreadingHTTPServer(("127.0.0.1", hook_port), Hook)
threading.Thread(target=receiver.serve_forever, daemon=True).start()

points = "\n".join(f"  - {{id: p{i}, kind: statue, name: 点位{i}, grid: g1}}" for i in range(60))
community = f"""community: 基准社区
base_url: http://127.0.0.1:{port}
categories: {{water: 漏水, road: 道路, fire: 消防, elevator: 电梯, sanitation: 卫生, help: 求助, dispute: 纠纷, other: 其他}}
grids: [{{id: g1, name: 一网格, leader: lead}}]
responders:
  - {{id: worker, name: 网格员, role: grid_worker, channels: [{{webhook: "http://127.0.0.1:{hook_port}/hook", secret: s}}]}}
  - {{id: lead, name: 网格长, role: grid_leader, channels: [{{log: {{}}}}]}}
  - {{id: sec, name: 书记, role: secretary, channels: [{{log: {{}}}}]}}
duty: [{{grid: g1, responder: worker, days: daily, from: "00:00", to: "24:00"}}]
points:
{points}
"""
db = os.path.join(work, "l.sqlite")
open(os.path.join(work, "c.yaml"), "w").write(community)
subprocess.run([BIN, "import", os.path.join(work, "c.yaml"), "--db", db], check=True, capture_output=True)
codes = json.loads(subprocess.run([BIN, "points", "list", "--json", "--db", db], check=True, capture_output=True).stdout)
server = subprocess.Popen([BIN, "serve", "--db", db, "--port", str(port), "--client-burst", "1000000", "--point-burst", "1000000"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


opener = urllib.request.build_opener(NoRedirect)
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    categories = ["water", "road", "fire", "elevator", "sanitation", "help", "dispute", "other"]
    for i in range(N):
        code = codes[i % len(codes)]["code"]
        url = f"http://127.0.0.1:{port}/p/{code}"
        token = re.search(r'name="form_token" value="([^"]+)"', urllib.request.urlopen(url).read().decode()).group(1)
        boundary = uuid.uuid4().hex
        fields = {"category": categories[(i // len(codes)) % len(categories)], "description": f"基准报事 {i}", "website": "",
                  "form_token": token}
        body = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n" for k, v in fields.items())
        body += f"--{boundary}--\r\n"
        request = urllib.request.Request(url, data=body.encode(), method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            opener.open(request)
        except urllib.error.HTTPError as e:
            if e.code != 303:
                raise
        time.sleep(0.01)
    time.sleep(2)
finally:
    server.terminate()
    server.wait()
    receiver.shutdown()

rows = sqlite3.connect(db).execute("SELECT number, created_at FROM report WHERE status = 'open' OR status = 'acknowledged'").fetchall()
latencies = []
for number, created in rows:
    stamp = datetime.strptime(created, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()
    if number in arrivals:
        latencies.append((arrivals[number] - stamp) * 1000)
latencies.sort()
missing = len(rows) - len(latencies)


def pct(p):
    return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]


print(f"machine: {os.cpu_count()} cores; {len(rows)} reports, {len(latencies)} webhooks received, {missing} missing")
print(f"report committed → webhook received: p50 {pct(50):.1f} ms  p90 {pct(90):.1f} ms  p99 {pct(99):.1f} ms  max {latencies[-1]:.1f} ms")
