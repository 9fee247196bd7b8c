"""What the browser tests share: a real `whistle serve` on a temp database, headless Chromium at 375 px, and the
house-style numbers every page is held to (18 px text, line height 1.4, contrast 4.5:1, 48 px targets, no scripts,
nothing from elsewhere, 12 KB, no sideways spill at 175 % text)."""
import os
import shutil
import socket
import sys
import subprocess
import time
import urllib.request

# Selenium is imported where a browser is started: the abuse test shares the helpers above it without a browser.

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("WHISTLE_BIN", os.path.join(ROOT, ".build", "debug", "whistle"))
SHOTS = os.path.join(ROOT, ".build", "screenshots")
FIXTURE = os.path.join(ROOT, "Tests/Fixtures/community-single.yaml")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def whistle(*arguments):
    """Runs the whistle binary and returns its standard output."""
    return subprocess.run([BINARY, *arguments], check=True, capture_output=True, text=True).stdout


def serve(db, port, *extra):
    """Starts `whistle serve` (with `extra` options) and waits until it answers; returns the process and its base URL."""
    server = subprocess.Popen([BINARY, "serve", "--db", db, "--port", str(port), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return server, base


def phone_browser():
    """Headless Chromium as a 375 px wide phone."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN"]:
        options.add_argument(flag)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": 375, "height": 812, "pixelRatio": 2}})
    os.makedirs(SHOTS, exist_ok=True)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


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


def style(driver, el, prop):
    return driver.execute_script("return getComputedStyle(arguments[0])[arguments[1]]", el, prop)


def house_style(driver, name, controls="label.tile, textarea, input[type=tel], input[type=file], button", min_controls=1):
    """Checks the page now shown against the house numbers; `name` labels each failure."""
    width = driver.execute_script("return window.innerWidth")
    check(width == 375, f"{name}: viewport is {width}px, not 375")
    from selenium.webdriver.common.by import By

    body = driver.find_element(By.TAG_NAME, "body")
    size = float(style(driver, body, "fontSize").rstrip("px"))
    line = float(style(driver, body, "lineHeight").rstrip("px"))
    check(size >= 18, f"{name}: body text is {size}px, under 18")
    check(line / size >= 1.4, f"{name}: line height is {line / size:.2f}, under 1.4")
    ratio = contrast(style(driver, body, "color"), style(driver, body, "backgroundColor"))
    check(ratio >= 4.5, f"{name}: body contrast is {ratio:.1f}:1, under 4.5")
    for el in driver.find_elements(By.CSS_SELECTOR, ".muted, .error, label, .kind, .time"):
        if el.is_displayed():
            r = contrast(style(driver, el, "color"), "rgb(255, 255, 255)")
            check(r >= 4.5, f"{name}: {el.tag_name}.{el.get_attribute('class')} contrast {r:.1f}:1")
    found = [el for el in driver.find_elements(By.CSS_SELECTOR, controls) if el.is_displayed()]
    check(len(found) >= min_controls, f"{name}: only {len(found)} controls found")
    for el in found:
        rect = el.rect
        check(rect["height"] >= 48 and rect["width"] >= 48, f"{name}: {el.tag_name} {el.text[:10]!r} is {rect['width']:.0f}×{rect['height']:.0f}")
        if el.tag_name == "button":
            check(rect["height"] >= 60, f"{name}: button {el.text[:10]!r} is {rect['height']:.0f}px tall, under 60")
    scripts = driver.execute_script("return document.scripts.length")
    check(scripts == 0, f"{name}: {scripts} scripts on the page")
    foreign = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))")
    check(not foreign, f"{name}: loads from elsewhere: {foreign}")
    weight = len(driver.execute_script("return document.documentElement.outerHTML").encode())
    check(weight <= 12 * 1024, f"{name}: page is {weight} bytes, over 12 KB")
    # 175% text zoom: every font grows; nothing may spill sideways.
    driver.execute_script("document.documentElement.style.fontSize = (18 * 1.75) + 'px'")
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check(overflow <= 0, f"{name}: at 175% text the page is {overflow}px wider than the screen")
    driver.execute_script("document.documentElement.style.fontSize = ''")


def wait_for(driver, fragment, tries=50):
    for _ in range(tries):
        if fragment in driver.current_url:
            return True
        time.sleep(0.1)
    return False


def submit(driver, element, timeout=10):
    """Clicks a form's button and waits for the next page to replace this one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import WebDriverException

    old = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_):
        # Mid-navigation Chromium may answer for the old node with an inspector error rather than "stale element":
        # either way the old page is going.
        try:
            return expected_conditions.staleness_of(old)(driver)
        except WebDriverException:
            return True

    WebDriverWait(driver, timeout).until(replaced)
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")


def finish(label, success, driver=None, server=None, work=None):
    """Stops the browser and the server, removes the temp folder, prints each failure (or `success`); the exit status."""
    if driver:
        driver.quit()
    if server:
        server.terminate()
        server.wait(timeout=10)
    if work:
        shutil.rmtree(work, ignore_errors=True)
    if sys.exc_info()[1] is not None:
        failures.append(f"stopped by {sys.exc_info()[1]!r}"[:300])
    for failure in failures:
        print(f"{label}: {failure}")
    if not failures:
        print(f"{label}: {success}")
    return 1 if failures else 0
