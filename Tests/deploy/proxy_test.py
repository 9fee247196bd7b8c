#!/usr/bin/env python3
"""The shipped nginx site (deploy/nginx/whistle.conf) in front of a real `whistle serve` (issue #19).

A real nginx runs on loopback with a self-signed certificate and the site as shipped, changed only where a test must
(ports, certificate paths, the webroot; each replacement is asserted to hit exactly the expected lines). Through it:
HTTP redirects to HTTPS; the form works over TLS and its cookie is Secure (X-Forwarded-Proto from a trusted proxy);
a 1 MB photo is stored and served to the responder; an 8.5 MB body gets whistle's own page and a 12 MB one nginx's;
the live feed streams through unbuffered; two residents behind the proxy have their own rate-limit buckets and a
forged X-Forwarded-For does not buy a new one; /metrics answers the host and nobody else.
Residents are told apart by source address (all of 127/8 is loopback). Exit 0 when everything holds. Without nginx
it prints a skip (a failure under CI=true).
"""
import http.client
import json
import os
import re
import shutil
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
import browserkit  # noqa: E402
from browserkit import FIXTURE, ROOT, check, finish, free_port, serve, whistle  # noqa: E402


def failures_so_far():
    return bool(browserkit.failures)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = os.path.join(ROOT, "deploy/nginx/whistle.conf")


def png(width, height):
    """A PNG of random pixels: about width*height*3 bytes that do not compress."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b""))


def multipart(fields, photo=None, boundary="----proxyBoundary"):
    out = b""
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    if photo is not None:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="p.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
        out += photo + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def site(work, https, http, upstream, cert, key):
    """The shipped site with only the test's replacements, each expected a set number of times."""
    text = open(SITE, encoding="utf-8").read()
    for old, new, times in [
        ("listen 80;", f"listen 127.0.0.1:{http};", 1),
        ("listen [::]:80;", "", 1),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;", 1),
        ("listen [::]:443 ssl http2;", "", 1),
        ("server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream};", 1),
        ("/etc/letsencrypt/live/whistle.example.cn/fullchain.pem", cert, 1),
        ("/etc/letsencrypt/live/whistle.example.cn/privkey.pem", key, 1),
        ("root /var/www/html;", f"root {work}/acme;", 1),
    ]:
        check(text.count(old) == times, f"site: expected {old!r} {times}x, found {text.count(old)}")
        text = text.replace(old, new)
    return text


class Client:
    """HTTPS to nginx from a chosen loopback address (a resident), trusting the test's certificate."""

    def __init__(self, port, cert, source="127.0.0.1"):
        self.port, self.source = port, source
        self.context = ssl.create_default_context(cafile=cert)

    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=timeout, source_address=(self.source, 0))
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        except (ConnectionError, http.client.HTTPException) as error:
            return None, {}, repr(error).encode()
        finally:
            conn.close()

    def token(self, code):
        _, _, body = self.request("GET", f"/p/{code}")
        match = re.search(rb'name="form_token" value="([^"]+)"', body)
        return match.group(1).decode() if match else ""

    def report(self, code, photo=None, headers=None, description="楼道灯坏了"):
        body, form = multipart([("category", "other"), ("description", description), ("website", ""), ("form_token", self.token(code))], photo)
        return self.request("POST", f"/p/{code}", body, {**form, **(headers or {})})


def main():
    if not os.path.exists(NGINX):
        message = "proxy test: skipped, nginx is not installed (apt install nginx)"
        print(message)
        return 1 if os.environ.get("CI") == "true" else 0
    work = tempfile.mkdtemp(prefix="whistle-proxy-")
    db = os.path.join(work, "whistle.sqlite")
    server = nginx = None
    passed = 0
    try:
        os.makedirs(os.path.join(work, "acme"))
        cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        whistle("import", FIXTURE, "--db", db)
        code = next(p["code"] for p in json.loads(whistle("points", "list", "--json", "--db", db)) if p["id"] == "merchant-pharmacy")
        token = whistle("responders", "token", "r-li", "--db", db).strip()
        upstream, https, plain = free_port(), free_port(), free_port()
        server, _ = serve(db, upstream, "--trusted-proxy", "127.0.0.1", "--client-burst", "2", "--client-refill", "3600")

        prefix = os.path.join(work, "nginx")
        for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(prefix, folder))
        if os.geteuid() == 0:
            # nginx's workers run as nobody when the master is root: their temp folders must be theirs, and reachable.
            subprocess.run(["chown", "-R", "nobody", prefix], check=True)
            os.chmod(work, 0o755)
        with open(os.path.join(prefix, "site.conf"), "w", encoding="utf-8") as f:
            f.write(site(work, https, plain, upstream, cert, key))
        with open(os.path.join(prefix, "nginx.conf"), "w", encoding="utf-8") as f:
            f.write(f"""worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
}}
""")
        tested = subprocess.run([NGINX, "-t", "-p", prefix, "-c", f"{prefix}/nginx.conf"], capture_output=True, text=True)
        check(tested.returncode == 0, f"nginx -t: {tested.stderr.strip()[-300:]}")
        nginx = subprocess.Popen([NGINX, "-p", prefix, "-c", f"{prefix}/nginx.conf", "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        host = Client(https, cert)
        for _ in range(100):
            if host.request("GET", "/healthz")[0] == 200:
                break
            time.sleep(0.1)

        # HTTP → HTTPS, the path kept.
        conn = http.client.HTTPConnection("127.0.0.1", plain, timeout=5)
        conn.request("GET", f"/p/{code}?lang=en")
        redirect = conn.getresponse()
        check(redirect.status == 301 and redirect.getheader("Location") == f"https://127.0.0.1/p/{code}?lang=en",
              f"http: {redirect.status} {redirect.getheader('Location')}")
        conn.close()
        status, headers, body = host.request("GET", f"/p/{code}")
        check(status == 200 and "max-age=63072000" in headers.get("strict-transport-security", ""), f"https page: {status} {headers}")
        passed += 1

        # A resident with a 1 MB photo: stored, the cookie Secure and __Host- (whistle knows it is behind TLS).
        resident = Client(https, cert, "127.0.0.2")
        photo = png(600, 560)
        status, headers, body = resident.report(code, photo)
        check(status == 303, f"1 MB photo: {status} {body[:200]!r}")
        cookie = headers.get("set-cookie", "")
        check(cookie.startswith("__Host-") and "Secure" in cookie, f"cookie behind TLS: {cookie}")
        number = headers.get("location", "").split("/t/")[-1].split("?")[0]
        api = {"Authorization": f"Bearer {token}"}
        status, _, body = host.request("GET", f"/api/v1/reports/{number}", headers=api)
        photos = json.loads(body).get("photos", []) if status == 200 and number else []
        check(len(photos) == 1, f"the report's photos: {status} {body[:200]!r}")
        if photos:
            status, headers, image = host.request("GET", photos[0], headers=api)
            check(status == 200 and headers.get("content-type", "").startswith("image/") and len(image) > 1000,
                  f"the photo through the proxy: {status} {headers.get('content-type')} {len(image)}")
        passed += 1

        # Sizes: whistle's friendly page under nginx's limit, nginx's own above it.
        big = Client(https, cert, "127.0.0.4")
        status, _, body = big.report(code, os.urandom(int(8.5 * 1048576)))
        check(status == 413 and "照片不能超过8MB" in body.decode("utf-8", "replace"), f"8.5 MB: {status} {body[:200]!r}")
        status, headers, body = big.report(code, os.urandom(12 * 1048576))
        check(status == 413 and "照片太大了" in body.decode("utf-8", "replace") and headers.get("server", "").startswith("nginx"),
              f"12 MB: {status} {headers.get('server')} {body[:200]!r}")
        passed += 1

        # The live feed streams through: headers at once, a new report's event within seconds.
        feed = http.client.HTTPSConnection("127.0.0.1", https, context=host.context, timeout=10)
        feed.request("GET", "/api/v1/events", headers=api)
        began = time.monotonic()
        stream = feed.getresponse()
        check(stream.status == 200 and time.monotonic() - began < 1.5 and "event-stream" in (stream.getheader("Content-Type") or ""),
              f"SSE: {stream.status} after {time.monotonic() - began:.2f}s")
        filed = Client(https, cert, "127.0.0.7").report(code, description="SSE 测试")
        number = filed[1].get("location", "").split("/t/")[-1].split("?")[0]
        seen, began = b"", time.monotonic()
        while number.encode() not in seen and time.monotonic() - began < 5:
            line = stream.fp.readline()
            if not line:
                break
            seen += line
        check(number and number.encode() in seen, f"SSE: report {number} not streamed within 5 s: {seen[-200:]!r}")
        feed.close()
        passed += 1

        # Two residents behind the proxy have their own buckets (burst 2); a forged header buys nothing.
        first, second = Client(https, cert, "127.0.0.5"), Client(https, cert, "127.0.0.6")
        statuses = [first.report(code, description=f"第{i}次")[0] for i in range(3)]
        check(statuses == [303, 303, 429], f"resident .5: {statuses}")
        check(second.report(code)[0] == 303, "resident .6 shares .5's bucket")
        forged = first.report(code, headers={"X-Forwarded-For": "10.9.9.9"})[0]
        check(forged == 429, f"a forged X-Forwarded-For gave {forged}")
        passed += 1

        # /metrics: the host only.
        check(host.request("GET", "/metrics")[0] == 200, "/metrics from the host")
        status, headers, _ = Client(https, cert, "127.0.0.2").request("GET", "/metrics")
        check(status == 403 and headers.get("server", "").startswith("nginx"), f"/metrics from outside: {status} {headers.get('server')}")
        passed += 1
    finally:
        if failures_so_far() and os.path.exists(os.path.join(work, "nginx", "error.log")):
            print(open(os.path.join(work, "nginx", "error.log"), encoding="utf-8", errors="replace").read()[-1500:])
        if nginx:
            nginx.terminate()
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
        code = finish("proxy test", f"{passed} passed, 0 failed", server=server, work=work)
    return code


if __name__ == "__main__":
    sys.exit(main())
