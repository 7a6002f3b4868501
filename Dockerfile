# The vstream-relay worker. TypeScript runs through tsx (a runtime dependency); the workflow bundle is built by
# the Temporal SDK when the worker starts.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY proto ./proto
COPY src ./src
COPY bin ./bin
USER node
EXPOSE 9464
# SIGTERM makes running streams commit at the next source-transaction boundary and hand over to another worker.
STOPSIGNAL SIGTERM
CMD ["node", "bin/vstream-relay.js", "worker"]
