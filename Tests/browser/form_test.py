#!/usr/bin/env python3
"""Drives the resident form in headless Chromium on a 375 px wide phone screen.

Starts the real `whistle serve` on a temp database, opens a point's page as WeChat's browser would,
checks the elderly-first numbers (font sizes, control sizes, contrast, no overflow at 175% text),
fills and submits the form with a photo, and saves screenshots under .build/screenshots/.
Exit status 0 when everything holds; otherwise one line per failure.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("WHISTLE_BIN", os.path.join(ROOT, ".build", "debug", "whistle"))
SHOTS = os.path.join(ROOT, ".build", "screenshots")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def luminance(rgb):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def parse_rgb(css):
    inside = css[css.index("(") + 1 : css.index(")")]
    return [float(x) for x in inside.split(",")[:3]]


def contrast(fg, bg):
    a, b = sorted([luminance(parse_rgb(fg)), luminance(parse_rgb(bg))], reverse=True)
    return (a + 0.05) / (b + 0.05)


def main():
    work = tempfile.mkdtemp(prefix="whistle-browser-")
    db = os.path.join(work, "b.sqlite")
    port = free_port()
    subprocess.run([BINARY, "import", os.path.join(ROOT, "Tests/Fixtures/community-single.yaml"), "--db", db], check=True, capture_output=True)
    points = json.loads(subprocess.run([BINARY, "points", "list", "--json", "--db", db], check=True, capture_output=True).stdout)
    code = next(p["code"] for p in points if p["id"] == "merchant-pharmacy")
    photo = os.path.join(work, "photo.png")
    subprocess.run([BINARY, "qr", "photo of a leak", "--format", "png", "--out", photo], check=True)
    server = subprocess.Popen([BINARY, "serve", "--db", db, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = None
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN"]:
            options.add_argument(flag)
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": 375, "height": 812, "pixelRatio": 2}})
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        driver.get(f"{base}/p/{code}")
        os.makedirs(SHOTS, exist_ok=True)

        width = driver.execute_script("return window.innerWidth")
        check(width == 375, f"viewport is {width}px, not 375")
        style = lambda el, prop: driver.execute_script("return getComputedStyle(arguments[0])[arguments[1]]", el, prop)
        body = driver.find_element(By.TAG_NAME, "body")
        size = float(style(body, "fontSize").rstrip("px"))
        line = float(style(body, "lineHeight").rstrip("px"))
        check(size >= 18, f"body text is {size}px, under 18")
        check(line / size >= 1.4, f"line height is {line / size:.2f}, under 1.4")
        ratio = contrast(style(body, "color"), style(body, "backgroundColor"))
        check(ratio >= 4.5, f"body contrast is {ratio:.1f}:1, under 4.5")
        for el in driver.find_elements(By.CSS_SELECTOR, ".muted, .error, label, .kind"):
            if el.is_displayed():
                r = contrast(style(el, "color"), "rgb(255, 255, 255)")
                check(r >= 4.5, f"{el.tag_name}.{el.get_attribute('class')} contrast {r:.1f}:1")
        controls = driver.find_elements(By.CSS_SELECTOR, "label.tile, textarea, input[type=tel], input[type=file], button")
        check(len(controls) >= 8 + 4, f"only {len(controls)} controls found")
        for el in controls:
            rect = el.rect
            check(rect["height"] >= 48 and rect["width"] >= 48, f"{el.tag_name} {el.text[:10]!r} is {rect['width']:.0f}×{rect['height']:.0f}")
        button = driver.find_element(By.CSS_SELECTOR, "button[type=submit]")
        check(button.rect["height"] >= 60, f"submit is {button.rect['height']:.0f}px tall, under 60")
        scripts = driver.execute_script("return document.scripts.length")
        check(scripts == 0, f"{scripts} scripts on the page")
        foreign = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))")
        check(not foreign, f"loads from elsewhere: {foreign}")
        weight = len(driver.execute_script("return document.documentElement.outerHTML").encode())
        check(weight <= 12 * 1024, f"page is {weight} bytes, over 12 KB")
        driver.save_screenshot(os.path.join(SHOTS, "form-375.png"))

        # 175% text zoom: every font grows; nothing may spill sideways.
        driver.execute_script("document.documentElement.style.fontSize = (18 * 1.75) + 'px'")
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        check(overflow <= 0, f"at 175% text the page is {overflow}px wider than the screen")
        driver.save_screenshot(os.path.join(SHOTS, "form-375-zoom175.png"))
        driver.execute_script("document.documentElement.style.fontSize = ''")

        driver.find_element(By.CSS_SELECTOR, "input[name=category][value=water]").click()
        driver.find_element(By.NAME, "description").send_keys("药房门口下水道冒水，老人过不去")
        driver.find_element(By.NAME, "phone").send_keys("13800000009")
        driver.find_element(By.NAME, "photo").send_keys(photo)
        button.click()
        for _ in range(50):
            if "/t/" in driver.current_url:
                break
            time.sleep(0.1)
        check("/t/" in driver.current_url, f"after submit the browser is at {driver.current_url}")
        page = driver.page_source
        check("已收到您的反映" in page, "status page does not say the report was received")
        check("13800000009" not in page, "status page shows the phone number")
        driver.save_screenshot(os.path.join(SHOTS, "status-375.png"))
    finally:
        if driver:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"browser test: {failure}")
    if not failures:
        print(f"browser test: form and status page pass at 375 px; screenshots in {SHOTS}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
