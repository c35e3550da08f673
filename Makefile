# shopmesh: `make up` runs the platform, `make test` runs every test. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

# npm writes node_modules/.package-lock.json on every install: a cheap "installed" stamp.
NPM_STAMP := node_modules/.package-lock.json
GEN_STAMP := services/gen/.generated
PROTOS := $(shell find proto -name '*.proto' -not -path 'proto/third_party/*') proto/buf.yaml proto/buf.gen.yaml

.PHONY: help deps build generate typecheck lint test bench up down clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(GEN_STAMP): $(NPM_STAMP) $(PROTOS)
	rm -rf services/gen
	cd proto && buf generate
	@touch $@

deps: ## install the servers the platform needs (Consul, NATS, PostgreSQL) into .tools/
	@bash scripts/deps.sh

generate: $(GEN_STAMP) ## generate protobuf-es code into services/gen/

typecheck: $(GEN_STAMP) ## tsc --noEmit
	tsc --noEmit

build: generate typecheck ## npm ci when needed, buf generate, tsc --noEmit

lint: $(GEN_STAMP) ## buf lint and tsc --noEmit
	cd proto && buf lint
	tsc --noEmit

test: deps build ## proto lint, type check, then every ava test against real Consul/NATS/PostgreSQL
	cd proto && buf lint
	@bash scripts/test.sh $(ARGS)

bench: deps build ## sidecar speed: direct vs one sidecar vs the pair, then a CPU profile (ARGS="--quick" ~30 s)
	@node --import tsx scripts/bench/main.ts $(ARGS)

up: deps build ## run the platform (Ctrl-C stops it); data in .data/
	@node --import tsx scripts/up.ts

down: ## stop a `make up` running in another terminal
	@node --import tsx scripts/down.ts

clean: ## remove generated code, platform data and logs
	rm -rf services/gen .data coverage

distclean: clean ## also remove node_modules and .tools
	rm -rf node_modules .tools
