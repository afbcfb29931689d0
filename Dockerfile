# One image for the worker and the API; docker-compose.yml picks the entry point.
# tsx is a runtime dependency, so the TypeScript sources run as they are, without a build step.
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so that source edits do not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src
COPY plans ./plans

# The file-backed flag store writes under /app/.data (a volume in docker-compose.yml).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

# The binary directly rather than through npx, so that SIGTERM reaches the process.
CMD ["/app/node_modules/.bin/tsx", "src/worker/main.ts"]
