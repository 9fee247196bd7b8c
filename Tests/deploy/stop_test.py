#!/usr/bin/env python3
"""A graceful stop (issue #19): what systemd's SIGTERM does to a serving whistle.

A resident's upload is half sent and a webhook delivery is in flight (the receiver takes 3 s to answer) when SIGTERM
arrives. The upload must still be answered 303 and its report stored; the delivery must finish and be recorded as
delivered, once; new connections are refused; the process exits 0 well within the unit's TimeoutStopSec (30 s).
"""
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from browserkit import BINARY, FIXTURE, check, finish, free_port, whistle  # noqa: E402

received = []
arrived = threading.Event()


class SlowHook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        arrived.set()
        time.sleep(3)
        received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def main():
    work = tempfile.mkdtemp(prefix="whistle-stop-")
    db = os.path.join(work, "whistle.sqlite")
    server = None
    passed = 0
    hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowHook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        yaml = open(FIXTURE, encoding="utf-8").read()
        yaml = yaml.replace("http://127.0.0.1:9911/hook", f"http://127.0.0.1:{hook.server_address[1]}/hook")
        yaml = re.sub(r"(?m)^      - (wecom|dingtalk|feishu): .*$", "      - log: {}", yaml)
        yaml = re.sub(r"(?m)^        secret: (SECEXAMPLE|EXAMPLE)\n", "", yaml)
        community = os.path.join(work, "community.yaml")
        open(community, "w", encoding="utf-8").write(yaml)
        whistle("import", community, "--db", db)
        code = next(p["code"] for p in json.loads(whistle("points", "list", "--json", "--db", db)) if p["id"] == "statue-south-gate")
        port = free_port()
        log = open(os.path.join(work, "serve.log"), "w")

        def start():
            """`whistle serve`, once it accepts connections."""
            process = subprocess.Popen([BINARY, "serve", "--db", db, "--port", str(port)], stdout=log, stderr=log)
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            return process

        server = start()

        def form_token():
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(f"GET /p/{code} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
            return re.search(rb'name="form_token" value="([^"]+)"', data).group(1).decode()

        def body(token, description):
            b = "----stopBoundary"
            parts = [("category", "water"), ("description", description), ("website", ""), ("form_token", token)]
            out = b"".join(f'--{b}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n'.encode() for n, v in parts)
            return out + f"--{b}--\r\n".encode(), b

        # A report whose webhook will be in flight at the stop.
        first, boundary = body(form_token(), "第一个：它的通知正在发送")
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(f"POST /p/{code} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
                      f"Content-Length: {len(first)}\r\nConnection: close\r\n\r\n".encode() + first)
            check(b" 303 " in s.recv(4096), "the first report was not accepted")
        # Wait until the dispatcher's delivery is at the slow receiver: it is in flight from here for 3 s.
        check(arrived.wait(timeout=10), "the dispatcher never posted to the webhook")

        # A second resident's upload, half sent when SIGTERM arrives.
        second, boundary = body(form_token(), "第二个：停机时正在上传")
        upload = socket.create_connection(("127.0.0.1", port))
        upload.sendall(f"POST /p/{code} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
                       f"Content-Length: {len(second)}\r\nConnection: close\r\n\r\n".encode() + second[: len(second) // 2])
        time.sleep(0.2)
        stopped_at = time.monotonic()
        server.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        upload.sendall(second[len(second) // 2:])
        upload.settimeout(10)
        answer = upload.recv(4096)
        upload.close()
        check(b" 303 " in answer, f"the upload in flight at SIGTERM: {answer[:80]!r}")
        passed += 1

        try:
            server.wait(timeout=25)
        except subprocess.TimeoutExpired:
            check(False, "whistle serve did not exit within 25 s of SIGTERM")
            server.kill()
        took = time.monotonic() - stopped_at
        check(server.returncode == 0, f"exit status {server.returncode} after SIGTERM")
        refused = False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            refused = True
        check(refused, "the port still accepts connections after the stop")
        passed += 1

        numbers = subprocess.run(["sqlite3", db, "SELECT description FROM report ORDER BY id"], capture_output=True, text=True).stdout
        check("第一个" in numbers and "第二个" in numbers, f"reports stored: {numbers!r}")
        delivered = subprocess.run(["sqlite3", db, "SELECT COUNT(*) FROM outbox WHERE responder_id = 'r-zhao' AND channel_kind = 'webhook' "
                                    "AND delivered_at IS NOT NULL"], capture_output=True, text=True).stdout.strip()
        first_hooks = [b for b in received if "第一个".encode() in b]
        check(len(first_hooks) == 1, f"the delivery in flight reached the receiver {len(first_hooks)} times")
        check(delivered != "0", f"no webhook delivery recorded as delivered ({delivered})")
        passed += 1
        print(f"stop test: exited {took:.1f} s after SIGTERM")

        # A client that stalls mid-upload cannot hold the stop past its cap (20 s, under TimeoutStopSec=30, and before
        # the 30 s idle timeout would close it).
        server = start()
        third, boundary = body(form_token(), "第三个：永远传不完")
        stalled = socket.create_connection(("127.0.0.1", port))
        stalled.sendall(f"POST /p/{code} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
                        f"Content-Length: {len(third)}\r\nConnection: close\r\n\r\n".encode() + third[:100])
        time.sleep(0.2)
        stopped_at = time.monotonic()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=28)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        took = time.monotonic() - stopped_at
        stalled.close()
        check(took < 25, f"a stalled upload held the stop for {took:.1f} s")
        check(server.returncode == 0, f"exit status {server.returncode} after a capped stop")
        passed += 1
        print(f"stop test: with a stalled upload, exited {took:.1f} s after SIGTERM")
    finally:
        hook.shutdown()
        if server and server.poll() is None:
            server.kill()
        code = finish("stop test", f"{passed} passed, 0 failed", server=None, work=work)
    return code


if __name__ == "__main__":
    sys.exit(main())
