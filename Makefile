# `make demo` and `make test` work on a fresh machine: they bring Node 22 when the machine's Node is older,
# install the npm dependencies once, build, and run.
SHELL := /bin/bash
NODE_BIN := $(shell ./scripts/node-env.sh)
export PATH := $(NODE_BIN):$(PATH)
export ONNXRUNTIME_NODE_INSTALL := skip
export HARDHAT_DISABLE_TELEMETRY := true

.PHONY: all install build packages chromium explorer test demo bench clean
all: test

node_modules/.verity-installed: package.json package-lock.json
	npm install --no-audit --no-fund
	touch $@

install: node_modules/.verity-installed

build: install
	npx hardhat build

# The three npm packages (verity-inference, verity-inference-node, verity-inference-contracts) in build/packages/;
# `make test` builds, packs and installs them itself (test/packages/install.test.ts).
packages: build
	npm run build:packages

# Debian's Chromium, for the explorer's browser tests (test/explorer, playwright-core): no test downloads a browser.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The explorer's static files in explorer/dist/, built against the packed SDK (scripts/build-explorer.ts).
explorer: build
	npm run build:explorer

test: build chromium
	npm test

demo: build
	npm run demo

bench: build
	npm run bench:gas
	npm run bench:packages

clean:
	rm -rf artifacts cache types build node_modules/.verity-installed
