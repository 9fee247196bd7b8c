#!/usr/bin/env python3
"""Abuse test: a real `whistle serve` on loopback, fed what a hostile or broken client sends.

Oversized and truncated bodies, invalid UTF-8, boundary-less multipart, thousands of parts, a non-image named .jpg,
a 12 MB photo, a decompression bomb (a tiny PNG of 30000 x 30000 px), a truncated JPEG, combining-mark floods, SQL
and script payloads in every field, forged and replayed tokens, unknown codes, a 64 KB header, forged bearer tokens,
and hundreds of stalled uploads held open at once.

Holds when: no answer is a 5xx or a hang (each refused input gets a 4xx), /healthz answers in under a second
throughout (polled every 100 ms by a thread of its own), a resident can still report while the stalled uploads are
held, and the reports accepted before the abuse are intact afterwards. Exit 0, or one line per failure.
"""
import http.client
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser"))
from browserkit import BINARY, ROOT, check, failures, free_port  # noqa: E402  (the shared test helpers)


class Server:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None, timeout=20):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            connection.close()

    def token(self, code):
        status, body, _ = self.request("GET", f"/p/{code}")
        match = re.search(rb'name="form_token" value="([^"]+)"', body)
        return match.group(1).decode() if match else ""


def multipart(fields, files=(), boundary="----abuseBoundary", close=True):
    out = b""
    for name, value in fields:
        value = value if isinstance(value, bytes) else value.encode()
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
    for name, filename, data in files:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        out += data + b"\r\n"
    if close:
        out += f"--{boundary}--\r\n".encode()
    return out


def form_headers(boundary="----abuseBoundary"):
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def png_bomb(width=30000, height=30000):
    """A valid PNG of width x height 1-bit grey pixels, all zero: about 100 KB on disk, 112 MB once decoded."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


class HealthWatch(threading.Thread):
    """Polls /healthz every 100 ms; keeps the slowest answer and any failure."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.slowest = 0.0
        self.errors = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            start = time.monotonic()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                status = connection.getresponse().status
                connection.close()
                if status != 200:
                    self.errors.append(f"/healthz answered {status}")
            except OSError as error:
                self.errors.append(f"/healthz failed: {error}")
            self.slowest = max(self.slowest, time.monotonic() - start)
            time.sleep(0.1)


def main():
    work = tempfile.mkdtemp(prefix="whistle-abuse-")
    db = os.path.join(work, "a.sqlite")
    port = free_port()
    subprocess.run([BINARY, "import", os.path.join(ROOT, "Tests/Fixtures/community-single.yaml"), "--db", db], check=True, capture_output=True)
    points = json.loads(subprocess.run([BINARY, "points", "list", "--json", "--db", db], check=True, capture_output=True).stdout)
    code = next(p["code"] for p in points if p["id"] == "statue-south-gate")
    other = next(p["code"] for p in points if p["id"] == "merchant-pharmacy")
    photo = os.path.join(work, "photo.png")
    subprocess.run([BINARY, "qr", "a leak", "--format", "png", "--out", photo], check=True, capture_output=True)
    real_png = open(photo, "rb").read()
    # Limits high enough that the abuse below is judged on its content, not cut short by the rate limit.
    log = open(os.path.join(work, "serve.log"), "wb")
    server_process = subprocess.Popen(
        [BINARY, "serve", "--db", db, "--port", str(port), "--client-burst", "1000", "--point-burst", "1000"], stdout=log, stderr=log)
    server = Server(port)
    watch = HealthWatch(port)
    try:
        for _ in range(200):
            try:
                if server.request("GET", "/healthz", timeout=1)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        good = [("category", "water"), ("description", "3号楼东侧下水道冒水"), ("phone", "13800000009"), ("website", "")]

        # Reports accepted before the abuse, to find intact afterwards.
        accepted = []
        for category in ["water", "road", "fire"]:
            fields = [("category", category), ("description", f"事前的报告 {category}"), ("website", ""), ("form_token", server.token(code))]
            status, _, headers = server.request("POST", f"/p/{code}", multipart(fields), form_headers())
            check(status == 303, f"a good report before the abuse answered {status}")
            if status == 303:
                accepted.append(headers["Location"])
        watch.start()

        def refused(name, method, path, body=None, headers=None, may_close=False):
            """A 4xx; or, where `may_close`, the connection closed promptly (an oversized body the server stops reading)."""
            start = time.monotonic()
            try:
                status, _, _ = server.request(method, path, body, headers)
            except (OSError, http.client.HTTPException) as error:
                check(may_close and time.monotonic() - start < 10, f"{name}: no answer ({error})")
                return None
            check(400 <= status < 500, f"{name}: answered {status}")
            return status

        token = lambda: server.token(code)
        # Bodies: oversized (declared and streamed), invalid UTF-8, truncated, boundary-less, thousands of parts.
        refused("declared 100 MB body", "POST", f"/p/{code}", b"x" * 1024,
                {"Content-Type": "multipart/form-data; boundary=b", "Content-Length": str(100 * 1024 * 1024)}, may_close=True)
        refused("12 MB multipart photo", "POST", f"/p/{code}",
                multipart(good + [("form_token", token())], [("photo", "big.jpg", os.urandom(12 * 1024 * 1024))]), form_headers())
        refused("invalid UTF-8 description", "POST", f"/p/{code}",
                multipart([("category", "water"), ("description", b"\xff\xfe\xfd"), ("website", ""), ("form_token", token())]), form_headers())
        refused("invalid UTF-8 urlencoded", "POST", f"/p/{code}", b"category=water&description=%FF%FE&form_token=" + token().encode(),
                {"Content-Type": "application/x-www-form-urlencoded"})
        refused("truncated multipart", "POST", f"/p/{code}", multipart(good + [("form_token", token())], close=False)[:-10], form_headers())
        refused("multipart without a boundary", "POST", f"/p/{code}", multipart(good), {"Content-Type": "multipart/form-data"})
        refused("multipart with the wrong boundary", "POST", f"/p/{code}", multipart(good), form_headers("other"))
        refused("5000 parts", "POST", f"/p/{code}", multipart([(f"f{i}", "x") for i in range(5000)] + [("form_token", token())]), form_headers())
        refused("no content type", "POST", f"/p/{code}", b"category=water")
        # Photos: not an image, a decompression bomb, truncated images.
        refused("text named .jpg", "POST", f"/p/{code}",
                multipart(good + [("form_token", token())], [("photo", "x.jpg", b"not an image at all " * 100)]), form_headers())
        refused("30000 x 30000 PNG bomb", "POST", f"/p/{code}",
                multipart(good + [("form_token", token())], [("photo", "bomb.png", png_bomb())]), form_headers())
        refused("truncated PNG", "POST", f"/p/{code}",
                multipart(good + [("form_token", token())], [("photo", "cut.png", real_png[: len(real_png) // 2])]), form_headers())
        refused("truncated JPEG", "POST", f"/p/{code}",
                multipart(good + [("form_token", token())], [("photo", "cut.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x43\x00")]),
                form_headers())
        # Text: combining-mark floods, payloads in every field.
        refused("combining-mark flood (40 KB)", "POST", f"/p/{code}",
                multipart([("category", "water"), ("description", "a" + "\u0301" * 20000), ("website", ""), ("form_token", token())]), form_headers())
        refused("combining-mark flood (2 MB)", "POST", f"/p/{code}",
                multipart([("category", "water"), ("description", "a" + "\u0301" * 1000000), ("website", ""), ("form_token", token())]), form_headers())
        for payload in ["' OR 1=1 --", "'); DROP TABLE report; --", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "{{config}}", "%00\x00"]:
            refused(f"payload {payload!r} as category", "POST", f"/p/{code}",
                    multipart([("category", payload), ("description", "漏水"), ("website", ""), ("form_token", token())]), form_headers())
            refused(f"payload {payload!r} as phone", "POST", f"/p/{code}",
                    multipart([("category", "water"), ("description", "漏水"), ("phone", payload), ("website", ""), ("form_token", token())]), form_headers())
            refused(f"payload {payload!r} as token", "POST", f"/p/{code}",
                    multipart([("category", "water"), ("description", "漏水"), ("website", ""), ("form_token", payload)]), form_headers())
            refused(f"payload {payload!r} as code", "GET", "/p/" + re.sub(r"[^A-Za-z0-9%'<>\"=(){}]", "", payload).replace(" ", "%20") or "/p/x")
            refused(f"payload {payload!r} as report number", "GET", "/t/" + "20261125-0001?k=" + payload.replace(" ", "%20").replace("\x00", ""))
        # A script in the description is a valid report: stored, and shown escaped.
        fields = [("category", "help"), ("description", "<script>alert(1)</script>"), ("website", ""), ("form_token", token())]
        status, _, headers = server.request("POST", f"/p/{code}", multipart(fields), form_headers())
        check(status == 303, f"a description holding a script tag answered {status}")
        if status == 303:
            page = server.request("GET", headers["Location"])[1]
            check(b"<script>alert(1)</script>" not in page, "the status page shows a script tag unescaped")
        # Tokens: forged, for another point, replayed.
        refused("forged token", "POST", f"/p/{code}", multipart(good + [("form_token", "1764000000.aaaaaaaaaaaaaaaaaaaa.00")]), form_headers())
        refused("another point's token", "POST", f"/p/{code}", multipart(good + [("form_token", server.token(other))]), form_headers())
        used = token()
        status, _, _ = server.request("POST", f"/p/{code}", multipart([("category", "road"), ("description", "路面坑洼"), ("website", ""), ("form_token", used)]), form_headers())
        check(status == 303, f"a good report answered {status}")
        refused("replayed token", "POST", f"/p/{code}", multipart([("category", "road"), ("description", "路面坑洼"), ("website", ""), ("form_token", used)]), form_headers())
        # Codes, reports, the API.
        refused("unknown code", "GET", "/p/ZZZZZZZZ")
        refused("unknown code POST", "POST", "/p/ZZZZZZZZ", multipart(good), form_headers())
        refused("unknown report", "GET", "/t/20261125-9999?k=nothing")
        refused("forged bearer token", "GET", "/api/v1/reports", headers={"Authorization": "Bearer " + "x" * 40})
        refused("oversized bearer token", "GET", "/api/v1/reports", headers={"Authorization": "Bearer " + "x" * 5000})
        refused("rating without key", "POST", "/t/20261125-0001/rating", b"rating=5", {"Content-Type": "application/x-www-form-urlencoded"})
        refused("rating body of 1 MB", "POST", "/t/20261125-0001/rating", b"note=" + b"x" * 1024 * 1024, {"Content-Type": "application/x-www-form-urlencoded"},
                may_close=True)
        # The responders' phone pages, signed in as a grid worker: hostile forms are refused and write nothing.
        link = subprocess.run([BINARY, "responders", "login-link", "r-zhao", "--db", db], check=True, capture_output=True, text=True).stdout.split()[0]
        status, _, headers = server.request("POST", "/r/login/" + link.rsplit("/", 1)[-1])
        check(status == 303 and "Set-Cookie" in headers, f"signing a phone in answered {status}")
        cookie = {"Cookie": headers.get("Set-Cookie", "").split(";")[0]}
        form = dict(cookie, **{"Content-Type": "application/x-www-form-urlencoded"})
        number = accepted[0].split("/t/")[1].split("?")[0] if accepted else "20261125-0001"
        refused("phone: forged csrf", "POST", f"/r/{number}/ack", b"csrf=00", form)
        refused("phone: no csrf", "POST", f"/r/{number}/ack", b"", form)
        refused("phone: invalid UTF-8 note", "POST", f"/r/{number}/resolve", b"csrf=00&note=%FF%FE", form)
        refused("phone: 1 MB note", "POST", f"/r/{number}/resolve", b"note=" + b"x" * 1024 * 1024, form, may_close=True)
        refused("phone: JSON body", "POST", f"/r/{number}/ack", b"{}", dict(cookie, **{"Content-Type": "application/json"}))
        for payload in ["' OR 1=1 --", "<script>alert(1)</script>", "..%2F..%2Fetc%2Fpasswd", "x" * 300]:
            refused(f"phone: {payload[:20]!r} as report number", "GET", "/r/" + payload.replace(" ", "%20"), headers=cookie)
            refused(f"phone: {payload[:20]!r} as sign-in link", "GET", "/r/login/" + payload.replace(" ", "%20"))
            refused(f"phone: {payload[:20]!r} posted as sign-in link", "POST", "/r/login/" + payload.replace(" ", "%20"))
        check(server.request("GET", f"/t/{number}?k=x")[0] == 404, "a status page without its key answered otherwise")
        # A 64 KB header: refused (431/400) or the connection closed; never a 5xx.
        try:
            status = server.request("GET", "/healthz", headers={"X-Big": "x" * 65536})[0]
            check(status < 500, f"a 64 KB header answered {status}")
        except (OSError, http.client.HTTPException):
            pass

        # Hundreds of stalled uploads held open at once: residents still get through.
        stalled = []
        for _ in range(300):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(f"POST /p/{code} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000000\r\n\r\n--b\r\n".encode())
            stalled.append(s)
        start = time.monotonic()
        fields = [("category", "elevator"), ("description", "电梯停了"), ("website", ""), ("form_token", token())]
        status, _, headers = server.request("POST", f"/p/{code}", multipart(fields), form_headers())
        check(status == 303, f"a resident's report while 300 uploads stall answered {status}")
        check(time.monotonic() - start < 5, f"a resident's report while 300 uploads stall took {time.monotonic() - start:.1f} s")
        for s in stalled:
            s.close()

        # Afterwards: the server is up, and what was accepted before is intact.
        check(server_process.poll() is None, "the server exited")
        for location in accepted:
            status, body, _ = server.request("GET", location)
            check(status == 200 and "事前的报告".encode() in body, f"{location} answered {status} after the abuse")
    finally:
        watch.stop.set()
        if watch.is_alive():
            watch.join(timeout=10)
        server_process.terminate()
        try:
            server_process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server_process.kill()
        log.close()
    check(not watch.errors, "; ".join(watch.errors[:3]))
    check(watch.slowest < 1.0, f"/healthz took {watch.slowest:.2f} s at worst")
    # Our log lines are `TIME LEVEL LABEL: …`; libvips's own warnings about a broken image are not the server's errors.
    server_errors = [line for line in open(os.path.join(work, "serve.log"), errors="replace") if re.match(r"^\S+ (error|critical) ", line)]
    check(not server_errors, "server logged errors: " + " | ".join(server_errors[:3]))
    if failures:
        for failure in failures:
            print("abuse test:", failure)
        print(f"server log: {os.path.join(work, 'serve.log')}")
        return 1
    print(f"abuse test: every hostile request refused with a 4xx; /healthz at worst {watch.slowest * 1000:.0f} ms; earlier reports intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
