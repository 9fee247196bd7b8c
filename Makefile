# Whistle — set-up and everyday commands. `make demo` and `make test` are all a newcomer needs.
SHELL := /bin/bash
SWIFT ?= swift
PORT ?= 8080

# Debian packages: C libraries we link (qrencode, cairo/pango), the CJK font plaques print with,
# and the independent tools tests check our output with (zbarimg, rsvg-convert, pdftoppm, qrencode).
PACKAGES := pkg-config libqrencode-dev qrencode libcairo2-dev libpango1.0-dev fonts-noto-cjk libvips-dev \
	zbar-tools librsvg2-bin poppler-utils sqlite3

.PHONY: deps build demo test bench clean

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done | xargs); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing: $$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else \
		echo "Missing Debian packages. Run this, then try again:"; \
		echo "  sudo apt-get update && sudo apt-get install -y $$missing"; \
		exit 1; \
	fi

build: deps
	$(SWIFT) build

demo: build
	$(SWIFT) run whistle demo --port $(PORT)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: deps
	bash bench/run

clean:
	rm -rf .build demo.sqlite demo.sqlite-* demo.sqlite.photos
