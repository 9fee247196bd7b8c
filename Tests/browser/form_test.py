#!/usr/bin/env python3
"""Drives the resident form in headless Chromium on a 375 px wide phone screen.

Starts the real `whistle serve` on a temp database, opens a point's page as WeChat's browser would,
checks the elderly-first numbers (font sizes, control sizes, contrast, no overflow at 175% text),
fills and submits the form with a photo, and saves screenshots under .build/screenshots/.
Exit status 0 when everything holds; otherwise one line per failure.
"""
import json
import os
import subprocess
import sys
import tempfile

from selenium.webdriver.common.by import By

from browserkit import FIXTURE, SHOTS, check, finish, free_port, house_style, phone_browser, serve, wait_for, whistle


def main():
    work = tempfile.mkdtemp(prefix="whistle-browser-")
    db = os.path.join(work, "b.sqlite")
    whistle("import", FIXTURE, "--db", db)
    points = json.loads(whistle("points", "list", "--json", "--db", db))
    code = next(p["code"] for p in points if p["id"] == "merchant-pharmacy")
    photo = os.path.join(work, "photo.png")
    whistle("qr", "photo of a leak", "--format", "png", "--out", photo)
    server, base = serve(db, free_port())
    driver = None
    try:
        driver = phone_browser()
        driver.get(f"{base}/p/{code}")
        check(len(driver.find_elements(By.CSS_SELECTOR, "label.tile, textarea, input[type=tel], input[type=file], button")) >= 8 + 4,
              "the form has fewer than 12 controls")
        house_style(driver, "form", min_controls=12)
        driver.save_screenshot(os.path.join(SHOTS, "form-375.png"))
        driver.execute_script("document.documentElement.style.fontSize = (18 * 1.75) + 'px'")
        driver.save_screenshot(os.path.join(SHOTS, "form-375-zoom175.png"))
        driver.execute_script("document.documentElement.style.fontSize = ''")

        driver.find_element(By.CSS_SELECTOR, "input[name=category][value=water]").click()
        driver.find_element(By.NAME, "description").send_keys("药房门口下水道冒水，老人过不去")
        driver.find_element(By.NAME, "phone").send_keys("13800000009")
        driver.find_element(By.NAME, "photo").send_keys(photo)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        check(wait_for(driver, "/t/"), f"after submit the browser is at {driver.current_url}")
        page = driver.page_source
        check("已收到您的反映" in page, "status page does not say the report was received")
        check("13800000009" not in page, "status page shows the phone number")
        driver.save_screenshot(os.path.join(SHOTS, "status-375.png"))
    finally:
        code = finish("browser test", f"form and status page pass at 375 px; screenshots in {SHOTS}", driver, server, work)
    return code

if __name__ == "__main__":
    sys.exit(main())
