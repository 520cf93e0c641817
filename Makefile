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

# ---- market making (docs/mm.md). MM_DATA_DIR must hold a lake (make real, or make real-data-fetch). ----
MM_DATA_DIR ?= data
MM_EXCHANGE ?= binance
MM_MARKET ?= um
MM_SYMBOL ?= BTC/USDT
MM_TIMEFRAME ?= 5m
MM_DAYS ?= 30
MM_SINCE ?= 2025-01-01
MM_ARGS ?=
MM_FLAGS = --data_dir $(MM_DATA_DIR) --exchange $(MM_EXCHANGE) --market $(MM_MARKET) --symbol $(MM_SYMBOL) --timeframe $(MM_TIMEFRAME)

validate: build run-backtest test-mm live-guard ## mm: build, backtest, mm tests, live guard
	@echo "validate: ok"

run-backtest: ## mm: one backtest on the lake in MM_DATA_DIR (artifacts/<run_id>_{market_data.csv,metrics.json,risk_report.json})
	npm run --silent mm:backtest -- $(MM_FLAGS) $(MM_ARGS)

test-mm: ## mm: the market-making tests (build first)
	node --experimental-vm-modules node_modules/jest/bin/jest.js --maxWorkers=1 dist/tests/mm

live-guard: ## mm: --mode live without keys must exit 2 with the exact message
	@out=$$(env -u EXCHANGE_API_KEY -u EXCHANGE_API_SECRET QUANTLAB_LOG_FORMAT=json node dist/cli/mm/backtest.js --mode live $(MM_FLAGS) 2>&1 >/dev/null); code=$$?; \
	  if [ $$code -eq 2 ] && echo "$$out" | grep -q 'mode=live requires env vars: EXCHANGE_API_KEY, EXCHANGE_API_SECRET'; then echo "live-guard: refused (exit 2)"; \
	  else echo "live-guard: FAILED (exit $$code): $$out"; exit 1; fi

real-data-fetch: build ## mm: fetch MM_SYMBOL bars + funding with ccxt (network) into MM_DATA_DIR's lake, then clean
	npm run all -- --data_dir $(MM_DATA_DIR) --until clean --set ingest.source=ccxt --set ingest.ccxt.exchange_id=binanceusdm \
	  --set 'ingest.ccxt.symbols=["$(MM_SYMBOL):USDT"]' --set ingest.ccxt.since=$(MM_SINCE) --set ingest.ccxt.timeframe=$(MM_TIMEFRAME) $(MM_ARGS)

analyze-last-month: ## mm: sweep + walk-forward + readiness on the last MM_DAYS days (artifacts/last_month_analysis/)
	npm run --silent mm:analyze -- $(MM_FLAGS) --days $(MM_DAYS) --max-combinations 12 $(MM_ARGS)

realtime-paper: ## mm: the paper quote loop, 20 iterations replayed from the lake (MM_ARGS="--source ccxt" for live data)
	npm run --silent mm:realtime -- $(MM_FLAGS) --iterations 20 $(MM_ARGS)

mm-bench: build ## mm: simulator (1,000 x 200) and one symbol-year backtest timings
	npm run --silent mm:bench

.PHONY: help install build test demo all real depcheck golden-check bench digest clean validate run-backtest test-mm live-guard real-data-fetch analyze-last-month realtime-paper mm-bench
