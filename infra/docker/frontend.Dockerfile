# syntax=docker/dockerfile:1
# assistant-frontend: the built web UI and the Rust server that serves it and proxies /api to
# assistant-backend. Build context: the repository root.
#
#   docker build -f infra/docker/frontend.Dockerfile -t exobrain/assistant-frontend:dev .

ARG RUST_VERSION=1.89
ARG DEBIAN_VERSION=bookworm

# ---------------------------------------------------------------- UI
FROM node:20-bookworm-slim AS ui
WORKDIR /ui
COPY crates/assistant-frontend/ui/package.json crates/assistant-frontend/ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY crates/assistant-frontend/ui/ ./
RUN npm run build

# ---------------------------------------------------------------- server (same pattern as Dockerfile)
FROM rust:${RUST_VERSION}-${DEBIAN_VERSION} AS chef
RUN cargo install cargo-chef --locked --version 0.1.71
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json -p assistant-frontend
COPY . .
RUN cargo build --release --locked -p assistant-frontend --bin assistant-frontend

# ---------------------------------------------------------------- runtime
FROM debian:${DEBIAN_VERSION}-slim AS assistant-frontend
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 exobrain \
 && useradd --system --uid 10001 --gid exobrain --home-dir /opt/exobrain --no-create-home exobrain
COPY infra/docker/http-ready.sh /usr/local/bin/http-ready
COPY --from=builder /src/target/release/assistant-frontend /usr/local/bin/assistant-frontend
COPY --from=ui /ui/dist /opt/exobrain/ui/dist
WORKDIR /opt/exobrain
ENV APP_ENV=cluster \
    LOG_FORMAT=json \
    ASSISTANT_FRONTEND_DIST=/opt/exobrain/ui/dist
USER 10001:10001
EXPOSE 5173
# /healthz: /readyz also requires the backend, which must not make the UI container unhealthy.
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD ["http-ready", "5173", "/healthz"]
ENTRYPOINT ["/usr/local/bin/assistant-frontend"]
CMD ["serve"]
