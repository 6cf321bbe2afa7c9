# The statistics service as a container image. Multi-stage:
#   build   — node:20-bookworm (python3/make/g++ for better-sqlite3's native addon): npm ci with dev
#             dependencies, tsc, then `npm prune --omit=dev` so only production dependencies (with the
#             addon compiled for this Node and glibc) are copied on.
#   runtime — node:20-bookworm-slim (same Node, same Debian): dist/ + production node_modules, tini as
#             PID 1, non-root user `node`, embedded SQLite on the volume /data.
# Build: docker build -t statistics .      Run: see README.md, "Container image".
# Behind a TLS-intercepting proxy give npm its CA without copying it into a layer:
#   docker build --secret id=npm_ca,src=/path/to/ca.pem -t statistics .
ARG NODE_MAJOR=20

FROM node:${NODE_MAJOR}-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm_config_nodedir: compile native addons against the headers the image ships (no download).
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm_config_nodedir=/usr/local npm ci --no-audit --no-fund --loglevel=warn
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# --omit=optional as well: typescript and ts-node stay otherwise (dev dependencies that also satisfy
# optional peers of @nestjs/swagger and typeorm; the service never loads them; no other optional
# packages are in the lockfile). better-sqlite3 keeps only its compiled addon (not the SQLite
# sources and object files). Together ≈ 50 MB less (node_modules 186 → 135 MB).
RUN npm run build \
 && npm prune --omit=dev --omit=optional --no-audit --no-fund --loglevel=warn \
 && cd node_modules/better-sqlite3 \
 && rm -rf deps src build/deps build/Release/obj build/Release/obj.target build/Release/*.a build/Release/test_extension.node \
 && cd /app && node -e "require('better-sqlite3')(':memory:').close()"

FROM node:${NODE_MAJOR}-bookworm-slim AS runtime
# tini is PID 1: it forwards SIGTERM/SIGINT to node and reaps zombies. On SIGTERM Nest's shutdown
# hook closes the HTTP server, the rollup schedule and the database, then re-raises the signal on
# itself, so node ends "killed by SIGTERM" and tini reports 143 (128 + 15); `-e 143` maps exactly
# that to exit code 0. (Node as PID 1 ignores the re-raised signal and exits 0 only once its event
# loop is empty; tini does not depend on that.) See docs/operations.md.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=3000 \
    SQLITE_PATH=/data/statistics.sqlite
WORKDIR /app
# Application files stay owned by root (read-only for the service); only /data is writable.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/v2/statistics/health/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "-e", "143", "--"]
CMD ["node", "dist/main.js"]
