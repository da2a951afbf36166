# One image for both roles: `npm run start:gateway` or `npm run start:worker`.
# The services run from TypeScript source through @swc-node/register (as the npm scripts do).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-bookworm-slim
# bubblewrap sandboxes each CLI, socat bridges the egress proxy into it, git seeds workspaces.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap socat git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json .swcrc nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
ENV NODE_ENV=production DATA_DIR=/data HOST=0.0.0.0
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000 3001
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["npm", "run", "start:gateway"]
