# Thin wrappers over the npm scripts; `make help` lists them.
.DEFAULT_GOAL := help
ARGS ?=

help: ## list the targets
	@grep -E '^[a-z:-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

install: ## npm ci (exact dependency versions from package-lock.json)
	npm ci

build: ## compile TypeScript to dist/
	npm run build

test: ## build, check the layer rules, run the jest suite
	npm test

demo: build ## run the whole pipeline on the seeded synthetic market (offline)
	npm run all -- --backtest_timeframe 5m --allow-synthetic $(ARGS)

all: build ## run the pipeline with spec/pipeline.yaml (ARGS="--dry-run" etc.)
	npm run all -- $(ARGS)

real: build ## ingest + clean the shared real Binance perp dataset into data/
	npm run all -- --set ingest.source=binance-vision --set ingest.binance_vision.market=um --set ingest.binance_vision.path=../shared/data/real/binance-um-perp-5m-2025-01_2025-08 $(ARGS)

depcheck: ## check the layer rules (.dependency-cruiser.cjs): no import cycle, no upward import
	npm run depcheck

golden-check: build ## rerun the certification batch and diff it against golden/
	npm run golden:check

bench: build ## print benchmark figures (real dataset + synthetic 50 symbols x 2 years)
	npm run bench -- $(ARGS)

digest: build ## print the cost digest of spec/costs.yaml
	npm run digest

clean: ## remove dist/ (the lake in data/ is left alone)
	rm -rf dist

.PHONY: help install build test demo all real depcheck golden-check bench digest clean
