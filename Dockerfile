# syntax=docker/dockerfile:1
#
# Faultline's image: a drop-in for ghcr.io/shopify/toxiproxy.
#   docker build -t faultline .
#   docker run --rm -p 8474:8474 faultline                      # admin API on 0.0.0.0:8474, no proxies
#   docker run --rm -p 8474:8474 faultline -host=0.0.0.0 -config=/config/proxies.json
# See docs/operations.md. e2e/docker.test.ts replays these steps without a Docker engine.

ARG NODE_IMAGE=node:20-bookworm-slim

# Build: every dependency, then the TypeScript sources compiled to dist/src, the dashboard
# bundled into dist/ui and the faultline executable into dist/bin.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY dashboard ./dashboard
COPY scripts ./scripts
RUN npx tsc -p tsconfig.build.json && node dashboard/build.mjs && node scripts/bundle-cli.mjs

# Production dependencies only.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The image: built files, production dependencies, configs, and the Toxiproxy-compatible paths.
FROM ${NODE_IMAGE}
# The API on every interface, and proxies allowed there too: publishing their ports is the point of
# the container (Testcontainers creates them on 0.0.0.0:8666 and up).
ENV NODE_ENV=production \
    FAULTLINE_HOME=/app \
    FAULTLINE_HOST=0.0.0.0 \
    FAULTLINE_ALLOW_REMOTE_LISTEN=true
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/dist/bin ./dist/bin
COPY --from=build /src/dist/ui ./dist/ui
COPY configs ./configs
COPY docker/healthcheck.mjs ./docker/healthcheck.mjs
COPY docker/entrypoint.sh /usr/local/bin/faultline-entrypoint
COPY docker/faultline.sh /usr/local/bin/faultline
RUN ln -s /usr/local/bin/faultline-entrypoint /toxiproxy \
 && ln -s /usr/local/bin/faultline /toxiproxy-cli \
 && mkdir /data && chown node:node /data
# The `node` user of the base image (uid 1000); /data is its place for a --state file.
USER node
EXPOSE 8474
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 CMD ["node", "/app/docker/healthcheck.mjs"]
ENTRYPOINT ["/usr/local/bin/faultline-entrypoint"]
