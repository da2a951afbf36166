# One image for both roles, compiled JavaScript only. The gateway is the default command; the
# worker runs the same image with the command overridden:
#   node --max-semi-space-size=8 dist/apps/worker/src/main.js
# (docker-compose.yml, k8s/worker.yaml; node flags as in package.json start:gateway|worker).
# Checkpoint GC by hand: node dist/libs/checkpoint/src/gc-cli.js [--dry-run]

# Build stage: dev dependencies, `npm run build` (nest build) compiles both apps into dist/.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

# Production dependencies only. --ignore-scripts skips every install script, also the claude
# CLI's, which puts its native binary in place (without it `claude` is a stub that only prints
# "claude native binary not installed"): that one is run on its own.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild @anthropic-ai/claude-code \
 && npm cache clean --force

FROM node:24-bookworm-slim
# bubblewrap sandboxes each CLI, socat bridges the egress proxy into it, git seeds workspaces.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap socat git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
ENV NODE_ENV=production DATA_DIR=/data HOST=0.0.0.0
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000 3001
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--max-semi-space-size=8", "dist/apps/gateway/src/main.js"]
