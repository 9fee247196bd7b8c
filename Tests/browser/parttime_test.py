#!/usr/bin/env python3
"""Part-time grid workers (兼职网格员) and residents who come back, in headless Chromium at 375 px (issue #17).

A courier signs in with a personal link, opens 随手拍, picks 其他地点, types 3号楼东侧, chooses a category, writes what
they saw and attaches a photo (a PNG the CLI prints), and lands on the report's page; their list shows it. The grid
worker's page names the finder, never the finder's phone. Then a resident reports at the statue, scans the plaque
again and finds the report under 您反映过的问题, opens it, and clears the list. Every page is held to the house numbers.
Screenshots go to .build/screenshots/parttime-*.png. Exit status 0 when everything holds; otherwise one line per failure.
"""
import json
import os
import tempfile
from urllib.parse import urlparse

from selenium.webdriver.common.by import By

from browserkit import FIXTURE, SHOTS, check, finish, free_port, house_style, phone_browser, serve, submit, wait_for, whistle

CONTROLS = "label.tile, textarea, input[type=file], input[name=place], button, a.row, a.big, a.back"
WORKER = """  - id: pt-xu
    name: 徐超
    role: part_time
    phone: "13900000007"
    employer: 顺丰
    grids: [g1, g2]
"""


def sign_in(driver, base, db, responder):
    link = whistle("responders", "login-link", responder, "--db", db).splitlines()[0]
    driver.delete_all_cookies()
    driver.get(base + urlparse(link).path)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, f"parttime-{name}.png"))


def main():
    work = tempfile.mkdtemp(prefix="whistle-parttime-")
    db = os.path.join(work, "p.sqlite")
    community = os.path.join(work, "community.yaml")
    with open(FIXTURE, encoding="utf-8") as source, open(community, "w", encoding="utf-8") as target:
        target.write(source.read().replace("responders:\n", "responders:\n" + WORKER, 1))
    whistle("import", community, "--db", db)
    photo = os.path.join(work, "photo.png")
    whistle("qr", "井盖松动", "--format", "png", "--scale", "16", "--out", photo)
    points = json.loads(whistle("points", "list", "--json", "--db", db))
    code = next(p["code"] for p in points if p["id"] == "statue-south-gate")
    server, base = serve(db, free_port())
    driver = None
    try:
        driver = phone_browser()
        sign_in(driver, base, db, "pt-xu")
        check("我反映的问题" in driver.page_source, "a part-time worker's /r is not their list")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "a.big[href^='/r/new']"))
        # Two grids: which one first.
        check("第二网格" in driver.page_source, "the grid choice does not list 第二网格")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "a.row[href*='grid=g1']"))
        house_style(driver, "new", controls=CONTROLS, min_controls=6)
        driver.find_element(By.CSS_SELECTOR, "input[name=spot][value='']").click()
        driver.find_element(By.NAME, "place").send_keys("3号楼东侧")
        driver.find_element(By.CSS_SELECTOR, "input[name=category][value=water]").click()
        driver.find_element(By.NAME, "description").send_keys("井盖松动，有人差点踩空")
        driver.find_element(By.NAME, "photo").send_keys(photo)
        driver.execute_script("window.scrollTo(0, 0)")
        shot(driver, "new")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        number = urlparse(driver.current_url).path.rsplit("/", 1)[-1]
        check(len(number) == 13 and "第一网格 · 3号楼东侧" in driver.page_source, f"after reporting the browser is at {driver.current_url}")
        check(not driver.find_elements(By.XPATH, "//button[text()='接单']"), "a part-time worker is offered 接单")
        house_style(driver, "report", controls=CONTROLS, min_controls=1)
        shot(driver, "report")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "a.back"))
        check(number in driver.page_source and "待接单" in driver.page_source, "the worker's list does not show the new report")
        house_style(driver, "list", controls=CONTROLS, min_controls=2)
        shot(driver, "list")

        # The grid worker on duty sees who found it, never the finder's phone.
        sign_in(driver, base, db, "r-zhao")
        driver.get(f"{base}/r/{number}")
        check("发现人：兼职网格员 徐超 (顺丰)" in driver.page_source, "the grid worker's page does not name the finder")
        check("13900000007" not in driver.page_source and "139****0007" not in driver.page_source, "the finder's phone is shown")
        shot(driver, "responder")

        # A resident reports at the statue, scans the plaque again and finds the report listed.
        driver.delete_all_cookies()
        driver.get(f"{base}/p/{code}")
        driver.find_element(By.CSS_SELECTOR, "input[name=category][value=road]").click()
        driver.find_element(By.NAME, "description").send_keys("南门路灯不亮")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        check(wait_for(driver, "/t/"), f"after the resident's submit the browser is at {driver.current_url}")
        mine = urlparse(driver.current_url).path.rsplit("/", 1)[-1]
        driver.get(f"{base}/p/{code}")
        check("您反映过的问题" in driver.page_source and mine in driver.page_source, "scanning again does not list the resident's report")
        check(number not in driver.page_source, "the resident's list shows someone else's report")
        house_style(driver, "mine", controls="label.tile, textarea, input[type=tel], input[type=file], button", min_controls=2)
        driver.save_screenshot(os.path.join(SHOTS, "resident-mine.png"))
        submit(driver, driver.find_element(By.CSS_SELECTOR, f"a[href^='/t/{mine}']"))
        check("办理进度" in driver.page_source, "the listed link does not open the status page")
        driver.get(f"{base}/p/{code}")
        submit(driver, driver.find_element(By.XPATH, "//button[text()='清除本机记录']"))
        check("您反映过的问题" not in driver.page_source, "clearing did not forget the list")
    finally:
        code = finish(
            "part-time browser test", f"report from a typed place, the worker's list, the finder named, a resident's list pass at 375 px; screenshots in {SHOTS}",
            driver, server, work)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
