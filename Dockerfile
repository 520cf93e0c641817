# Server deployment of the market-making realtime quote loop (paper only: the live guard refuses live, docs/mm.md).
# Build: docker build -t quantlab-mm .      Run: docker compose up mm-realtime   (see docker-compose.yml)
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY lib ./lib
COPY cli ./cli
COPY stages ./stages
COPY orchestrator ./orchestrator
COPY bench ./bench
COPY tests ./tests
RUN npx tsc -p tsconfig.json

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production QUANTLAB_LOG_FORMAT=json PAPER_ONLY=1
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY spec ./spec
# the data dir (lake + artifacts) is a volume; keys, if ever given, come from the environment, never the image
VOLUME ["/data"]
USER node
ENTRYPOINT ["node", "dist/cli/mm/realtime.js", "--data_dir", "/data"]
CMD ["--source", "ccxt", "--exchange", "binanceusdm", "--venue", "binance", "--market", "um", "--symbol", "BTC/USDT", "--timeframe", "1m", "--iterations", "1000000", "--mode", "paper"]
