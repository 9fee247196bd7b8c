# Whistle — set-up and everyday commands. `make demo` and `make test` are all a newcomer needs.
SHELL := /bin/bash
SWIFT ?= swift
# Extra `swift build` flags for the test build: CI sets `-debug-info-format none` (a clean build without debug info
# took 596 s instead of 777 s here; failures are reported by the tests, not read from a debugger).
SWIFT_BUILD_FLAGS ?=
PORT ?= 8080

# Debian packages: C libraries we link (qrencode, cairo/pango, vips), the CJK font plaques print with,
# the independent tools tests check our output with (zbarimg, rsvg-convert, pdftoppm, qrencode),
# headless Chromium for the browser test of the resident form, wrk for `make bench`, PostgreSQL for the
# tests of the second backend (a throwaway cluster per run: scripts/pg-test-cluster.sh), python3-venv for the Open311
# client libraries, and what the deployment tests run: nginx, openssl, systemd-analyze, dpkg-dev and lintian.
PACKAGES := pkg-config libqrencode-dev qrencode libcairo2-dev libpango1.0-dev libpng-dev fonts-noto-cjk libvips-dev libzbar-dev \
	zbar-tools librsvg2-bin poppler-utils sqlite3 chromium chromium-driver wrk curl postgresql python3-venv nginx lintian openssl dpkg-dev systemd

.PHONY: deps build demo test browser-test api-fuzz open311-client-test deploy-test release deb release-check bench clean

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done | xargs); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing: $$missing"; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
		else \
			echo "Missing Debian packages. Run this, then try again:"; \
			echo "  sudo apt-get update && sudo apt-get install -y $$missing"; \
			exit 1; \
		fi; \
	fi; \
	if ! python3 -c 'import selenium' 2>/dev/null; then \
		python3 -m pip install -q selenium 2>/dev/null || python3 -m pip install -q --break-system-packages selenium \
			|| echo "note: could not install selenium from PyPI; the browser test will be skipped"; \
	fi; \
	if ! command -v schemathesis >/dev/null; then \
		python3 -m pip install -q schemathesis 2>/dev/null || python3 -m pip install -q --break-system-packages schemathesis \
			|| echo "note: could not install schemathesis from PyPI; the API fuzzing will fail"; \
	fi; \
	if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then \
		python3 -m pip install -q openapi-spec-validator 2>/dev/null || python3 -m pip install -q --break-system-packages openapi-spec-validator \
			|| echo "note: could not install openapi-spec-validator from PyPI; the OpenAPI test will fail"; \
	fi

build: deps
	$(SWIFT) build

demo: build
	$(SWIFT) run whistle demo --port $(PORT)

# The timing tests (fault tests: steps within 2 s) run apart from the heavy end-to-end ones (a 300,000-report history,
# kill -9 under load, three nodes losing two), which would otherwise share the two cores with them.
# The Swift suites run beside a throwaway PostgreSQL cluster (WHISTLE_TEST_POSTGRES_URL), stopped when they end: every
# suite on SQLite, then the store, server and dispatcher suites on PostgreSQL (scripts/swift-test-passes.sh).
test: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	SWIFT=$(SWIFT) bash scripts/pg-test-cluster.sh run bash scripts/swift-test-passes.sh
	@$(MAKE) --no-print-directory browser-test
	python3 Tests/abuse/abuse_test.py
	@$(MAKE) --no-print-directory open311-client-test
	@$(MAKE) --no-print-directory deploy-test
	@$(MAKE) --no-print-directory api-fuzz

# What an installation uses (deploy/): the systemd units are valid, sandboxed and agree with the nginx site; the
# site itself in a real nginx in front of whistle.
deploy-test:
	bash Tests/deploy/units_test.sh
	python3 Tests/deploy/proxy_test.py
	python3 Tests/deploy/stop_test.py
	bash Tests/deploy/deb_test.sh

# A release: an optimised binary with the Swift runtime linked in (the C libraries stay shared), its resources
# beside it, and the Debian package. A clean release build takes about 15 minutes here.
VERSION = $(shell sed -n 's/.*static let version = "\(.*\)"/\1/p' Sources/whistle/Version.swift)
RELEASE_DIR = .build-release/release
release:
	$(SWIFT) build -c release --scratch-path .build-release --static-swift-stdlib -debug-info-format none --product whistle
	@echo "$(RELEASE_DIR)/whistle: $$(du -h $(RELEASE_DIR)/whistle | cut -f1), resources in $(RELEASE_DIR)/whistle_WhistleServer.resources"

deb: release
	bash scripts/build-deb.sh --binary $(RELEASE_DIR)/whistle --resources $(RELEASE_DIR)/whistle_WhistleServer.resources --version $(VERSION) --out out
	lintian --fail-on error --tag-display-limit 0 out/whistle_$(VERSION)_$$(dpkg --print-architecture).deb

# The package test on the real release package (installs into this machine: root only).
release-check: deb
	WHISTLE_DEB_TEST=1 WHISTLE_DEB=out/whistle_$(VERSION)_$$(dpkg --print-architecture).deb bash Tests/deploy/deb_test.sh

# Open311 with the clients a civic-tech author would use (georeport, civicbot), from PyPI into a venv of their own:
# georeport pins an older xmltodict than the system's.
OPEN311_VENV = .build/open311-venv
open311-client-test:
	@if [ ! -x $(OPEN311_VENV)/bin/python ] || ! $(OPEN311_VENV)/bin/python -c 'import georeport, civicbot' 2>/dev/null; then \
		python3 -m venv $(OPEN311_VENV) && $(OPEN311_VENV)/bin/pip install -q georeport==0.3.1 civicbot==0.4.0 \
			|| { echo "open311 client test: needs PyPI for georeport==0.3.1 and civicbot==0.4.0"; exit 1; }; \
	fi
	$(OPEN311_VENV)/bin/python Tests/open311/client_test.py

# The resident form and the responders' phone pages in headless Chromium at 375 px; runs whenever Chromium and
# selenium are here.
browser-test:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && python3 -c 'import selenium' 2>/dev/null; then \
		python3 Tests/browser/form_test.py && python3 Tests/browser/phone_test.py && python3 Tests/browser/parttime_test.py; \
	else \
		echo "browser test skipped: needs chromium, chromium-driver and python3 selenium (make deps installs them)"; \
	fi

# API fuzzing: schemathesis against openapi.yaml and a real server, bounded (30 examples an operation, 10 min at most).
api-fuzz:
	@if command -v schemathesis >/dev/null; then \
		bash Tests/api/fuzz.sh; \
	else \
		echo "API fuzzing needs schemathesis (make deps installs it from PyPI)"; exit 1; \
	fi

bench: deps
	bash bench/run

clean:
	rm -rf .build .build-release out demo.sqlite demo.sqlite-* demo.sqlite.photos demo.sqlite.lock
