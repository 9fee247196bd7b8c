#!/usr/bin/env python3
"""Open311 GeoReport v2 with real client libraries from PyPI (issue #18).

`georeport` (reads, JSON and XML) and `civicbot` (reads and files, JSON) are the two maintained clients that run on
this machine's Python 3.11 (`open311` is Python 2 only and `three` imports `itertools.ifilter`). On the street fixture,
with a key for 晨宇社区 (jurisdiction 1): georeport lists the services and the point attribute in both formats;
civicbot validates its request against our singlevaluelist and files it; both read it back, civicbot by its token;
a bad key is the spec's 403 list; then the CLI takes it (open, 已接单) and resolves it (closed, updated_datetime the
resolve time). Run by `make open311-client-test` from a venv; exit status 0 when everything holds.
"""
import json
import os
import sys
import tempfile
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from browserkit import ROOT, check, finish, free_port, serve, whistle  # noqa: E402

from civicbot import Endpoint, HttpTransport, Open311Client  # noqa: E402
from civicbot.http import HttpError, RateLimiter  # noqa: E402
from civicbot.open311 import CONFIRM_TOKEN  # noqa: E402
from georeport import GeoReport  # noqa: E402

STREET = os.path.join(ROOT, "Tests/Fixtures/street/street.yaml")
POINTS = {"merchant-pharmacy", "station-guard-north", "station-service-centre", "statue-south-gate"}


def instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def main():
    work = tempfile.mkdtemp(prefix="whistle-open311-")
    db = os.path.join(work, "whistle.sqlite")
    server = None
    passed = 0
    try:
        whistle("import", STREET, "--db", db)
        key = whistle("integrations", "key", "city311", "--community", "1", "--db", db).strip()
        token = whistle("responders", "token", "r-zhao", "--db", db).strip()
        server, base = serve(db, free_port())
        root = base + "/open311/v2"

        # georeport reads, in both formats.
        for fmt in ("json", "xml"):
            client = GeoReport(root, jurisdiction="1", output_format=fmt)
            services = client.get_service_list()
            codes = [s["service_code"] for s in services]
            check(len(services) == 8 and "water" in codes, f"georeport {fmt}: services {codes}")
            check(all(s["group"] == "晨宇社区" for s in services), f"georeport {fmt}: groups")
            definition = client.get_service_definition("water")
            attributes = definition["attributes"]
            attribute = attributes["attribute"] if fmt == "xml" else attributes[0]
            values = attribute["values"]["value"] if fmt == "xml" else attribute["values"]
            check({v["key"] for v in values} == POINTS, f"georeport {fmt}: point values {values}")
            check(attribute["datatype"] == "singlevaluelist" and str(attribute["required"]).lower() == "true", f"georeport {fmt}: {attribute}")
            passed += 1

        # civicbot files, validating against our definition first.
        bot = Open311Client(
            Endpoint(id="whistle", name="Whistle", base_url=root, write=True),
            transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0)), jurisdiction_id="1")
        filed = bot.create_request(
            "water", dry_run=False, confirm=CONFIRM_TOKEN, api_key=key, validate_remote=True, address_id="statue-south-gate",
            attributes={"point": "statue-south-gate"}, description="南门下水道冒水，路面积水", first_name="Li", email="li@example.org",
            phone="13800000009")
        answer = filed.response
        check(isinstance(answer, list) and len(answer) == 1, f"civicbot: POST answer {answer}")
        number = answer[0]["service_request_id"]
        check(answer[0]["service_notice"] == "晨宇社区承诺10分钟内有人接单", f"civicbot: notice {answer[0]}")
        request = bot.get_request(number)
        check(request["status"] == "open" and request["address_id"] == "statue-south-gate", f"civicbot: {request}")
        body = json.dumps(request, ensure_ascii=False)
        check("li@example.org" not in body and "13800000009" not in body, f"civicbot: personal data shown {body}")
        tokens = bot.get_token(number)
        check(tokens == [{"service_request_id": number, "token": number}], f"civicbot: token {tokens}")
        listed = bot.list_requests(service_request_ids=[number])
        check([r["service_request_id"] for r in listed] == [number], f"civicbot: list {listed}")
        passed += 1

        # A bad key: civicbot raises HttpError 403 with the spec's error list.
        try:
            bot.create_request("water", dry_run=False, confirm=CONFIRM_TOKEN, api_key="o311_wrong", address_id="statue-south-gate",
                               attributes={"point": "statue-south-gate"}, description="x")
            check(False, "civicbot: a bad key was accepted")
        except HttpError as error:
            errors = json.loads(error.body)
            check(error.status == 403 and errors[0]["code"] == 403, f"civicbot: bad key gave {error.status} {error.body}")
        passed += 1

        # The default list (the last 90 days, no filters) holds it, in both formats.
        for fmt in ("json", "xml"):
            listed = GeoReport(root, jurisdiction="1", output_format=fmt).get_service_requests()
            listed = [listed] if isinstance(listed, dict) else listed
            check(number in [r["service_request_id"] for r in listed], f"georeport {fmt}: default list {listed}")

        # georeport's XML of one request is one element (xmltodict gives a dict), with its fields.
        one = GeoReport(root, jurisdiction="1", output_format="xml").get_service_requests(service_request_id=number)
        check(isinstance(one, dict) and one["service_request_id"] == number and one["status"] == "open", f"georeport xml: {one}")
        passed += 1

        # Taken with the CLI: open, with notes; resolved: closed at the resolve time.
        whistle("ack", number, "--server", base, "--token", token)
        taken = GeoReport(root, jurisdiction="1").get_service_request(number)
        check(taken["status"] == "open" and taken["status_notes"] == "网格员已接单", f"after ack: {taken}")
        whistle("resolve", number, "--note", "已疏通", "--server", base, "--token", token)
        closed = GeoReport(root, jurisdiction="1").get_service_request(number)
        shown = json.loads(whistle("show", number, "--server", base, "--token", token, "--json"))
        check(closed["status"] == "closed" and closed["status_notes"] == "已办结：已疏通", f"after resolve: {closed}")
        check(instant(closed["updated_datetime"]) == instant(shown["resolved_at"]).replace(microsecond=0),
              f"updated_datetime {closed['updated_datetime']} is not resolved_at {shown['resolved_at']}")
        check(shown.get("via") == "open311:city311" and shown.get("reporter", {}).get("email") == "li@example.org",
              f"whistle show: the taker sees the source and the reporter: {shown.get('via')} {shown.get('reporter')}")
        passed += 1
    finally:
        code = finish("open311 client test", f"{passed} passed, 0 failed", server=server, work=work)
    return code


if __name__ == "__main__":
    sys.exit(main())
