#!/usr/bin/env python3
"""Drives the responders' phone pages in headless Chromium on a 375 px wide screen.

A resident reports through the form; the grid worker on duty opens a personal sign-in link, finds the report in the
inbox, takes it (the resident's number becomes a tel: link), whistles it to 城管委 with a note; then 城管委 signs in on
its own phone, reports in (报到) and resolves it. After each step the resident's status page must say so by role.
Every page is held to the house numbers (browserkit.house_style). Screenshots go to .build/screenshots/phone-*.png.
Exit status 0 when everything holds; otherwise one line per failure.
"""
import json
import os
import sys
import tempfile
import urllib.request
from urllib.parse import urlparse

from selenium.webdriver.common.by import By

from browserkit import FIXTURE, SHOTS, check, finish, free_port, house_style, phone_browser, serve, submit, wait_for, whistle

CONTROLS = "label.tile, textarea, button, a.row, a.call, a.big, a.back"


def sign_in(driver, base, db, responder):
    """Opens the path of a fresh `whistle responders login-link` (the fixture's base_url is another port) and taps."""
    link = whistle("responders", "login-link", responder, "--db", db).splitlines()[0]
    driver.delete_all_cookies()
    driver.get(base + urlparse(link).path)
    return link


def resident_says(base, status_url, text):
    page = urllib.request.urlopen(base + status_url, timeout=5).read().decode()
    check(text in page, f"the resident's status page does not say {text!r}")


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, f"phone-{name}.png"))


def main():
    work = tempfile.mkdtemp(prefix="whistle-phone-")
    db = os.path.join(work, "p.sqlite")
    whistle("import", FIXTURE, "--db", db)
    points = json.loads(whistle("points", "list", "--json", "--db", db))
    code = next(p["code"] for p in points if p["id"] == "statue-south-gate")
    server, base = serve(db, free_port())
    driver = None
    try:
        driver = phone_browser()
        # A resident reports at the statue (g1: r-zhao on duty all day).
        driver.get(f"{base}/p/{code}")
        driver.find_element(By.CSS_SELECTOR, "input[name=category][value=water]").click()
        driver.find_element(By.NAME, "description").send_keys("南门下水道冒水，路面结冰")
        driver.find_element(By.NAME, "phone").send_keys("13800000009")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        check(wait_for(driver, "/t/"), f"after the resident's submit the browser is at {driver.current_url}")
        status = urlparse(driver.current_url)
        status_url = status.path + "?" + status.query
        number = status.path.rsplit("/", 1)[-1]

        # Without a session the report's page sends the phone to the sign-in help.
        driver.delete_all_cookies()
        driver.get(f"{base}/r/{number}")
        check(driver.current_url.endswith("/r/signin"), f"without a session /r/{number} went to {driver.current_url}")
        check("南门下水道" not in driver.page_source, "the sign-in help shows the report")
        house_style(driver, "signin", controls=CONTROLS, min_controls=0)
        shot(driver, "signin")

        # The grid worker signs in with a personal link.
        sign_in(driver, base, db, "r-zhao")
        check("赵网格员" in driver.page_source and "请勿转发" in driver.page_source, "the sign-in page does not name r-zhao")
        house_style(driver, "login", controls=CONTROLS, min_controls=1)
        shot(driver, "login")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        check(driver.current_url.rstrip("/").endswith("/r"), f"after signing in the browser is at {driver.current_url}")
        check(number in driver.page_source, f"the inbox does not list {number}")
        check("待接单（1）" in driver.page_source, "the inbox does not count one report waiting")
        house_style(driver, "inbox", controls=CONTROLS, min_controls=2)
        shot(driver, "inbox")

        # Take it: the resident's number becomes a call link.
        submit(driver, driver.find_element(By.CSS_SELECTOR, f"a.row[href^='/r/{number}']"))
        check("138****0009" in driver.page_source and "13800000009" not in driver.page_source, "before 接单 the phone is not masked")
        house_style(driver, "report", controls=CONTROLS, min_controls=2)
        shot(driver, "report")
        submit(driver, driver.find_element(By.XPATH, "//button[text()='接单']"))
        call = driver.find_elements(By.CSS_SELECTOR, "a.call")
        check(call and call[0].get_attribute("href") == "tel:13800000009", "after 接单 there is no tel: link")
        resident_says(base, status_url, "网格员已接单")
        house_style(driver, "taken", controls=CONTROLS, min_controls=4)
        shot(driver, "taken")

        # Whistle it to 城管委.
        driver.find_element(By.CSS_SELECTOR, "input[name=to][value=d-city]").click()
        driver.find_element(By.ID, "wn").send_keys("路面结冰需城管委处理")
        submit(driver, driver.find_element(By.XPATH, "//button[text()='吹哨']"))
        check("吹哨给 城管委" in driver.page_source, "the timeline does not show the whistle")
        resident_says(base, status_url, "已吹哨：交城管委处理")

        # 城管委 on its own phone: 报到, then 办结.
        sign_in(driver, base, db, "d-city")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        check("待报到（1）" in driver.page_source, "the department's inbox does not show one report to report in on")
        submit(driver, driver.find_element(By.CSS_SELECTOR, f"a.row[href^='/r/{number}']"))
        house_style(driver, "department", controls=CONTROLS, min_controls=2)
        shot(driver, "department")
        submit(driver, driver.find_element(By.XPATH, "//button[text()='报到']"))
        resident_says(base, status_url, "城管委已报到")
        driver.find_element(By.ID, "rn").send_keys("已撒融雪剂并疏通下水道")
        submit(driver, driver.find_element(By.XPATH, "//button[text()='办结']"))
        check("已办结" in driver.page_source, "after 办结 the page does not say 已办结")
        resident_says(base, status_url, "已办结")
        resident_says(base, status_url, "已撒融雪剂并疏通下水道")
        shot(driver, "resolved")
        # The resident's page names roles, never a responder's name or phone.
        page = urllib.request.urlopen(base + status_url, timeout=5).read().decode()
        check("赵网格员" not in page and "13800000001" not in page, "the resident's page names the grid worker")
    finally:
        code = finish("phone browser test", f"sign-in, inbox, take, whistle, report in and resolve pass at 375 px; screenshots in {SHOTS}", driver, server, work)
    return code

if __name__ == "__main__":
    sys.exit(main())
