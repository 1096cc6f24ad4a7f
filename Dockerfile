# syntax=docker/dockerfile:1
# Every server-side image of AquaERP, from the repository root:
#   docker build --build-arg SERVICE=auth -t aquaerp/auth .            a gRPC service
#   docker build --target gateway --build-arg SERVICE=gateway -t aquaerp/gateway .
#   docker build --target backup -t aquaerp/backup .                   nightly dump, restore drill
# The list of images (and their targets) comes from `python3 scripts/render_services.py images`.
# The web app has its own Dockerfile (web/Dockerfile).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.8
ARG POSTGRES_IMAGE=postgres:17-bookworm

FROM ${UV_IMAGE} AS uv

# --- manifests: the lock file and every workspace member's pyproject.toml, nothing else -------
# Copied on their own so that the dependency layer below is rebuilt only when they change.
FROM ${PYTHON_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name pyproject.toml ! -name uv.lock -delete

# --- build: third-party dependencies first (cached layer), then the workspace packages --------
FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
COPY --from=manifests /src ./
RUN --mount=type=cache,target=/root/.cache/uv \
    test -n "${SERVICE}" \
    && uv sync --frozen --no-dev --package "aquaerp-${SERVICE}" --no-install-workspace
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "aquaerp-${SERVICE}" --no-editable
# System libraries the installed Python packages load at run time (WeasyPrint renders PDFs
# with Pango/HarfBuzz and needs at least one font); empty for most services.
RUN if [ -d /app/.venv/lib/python3.11/site-packages/weasyprint ]; then \
        echo "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core"; \
    fi > /app/system-packages

# --- runtime: the virtualenv only, no compiler, no uv, no sources ------------------------------
FROM ${PYTHON_IMAGE} AS runtime
COPY --from=build /app/system-packages /tmp/system-packages
# hadolint ignore=DL3008,SC2046
RUN if [ -s /tmp/system-packages ]; then \
        apt-get update \
        && apt-get install --yes --no-install-recommends $(cat /tmp/system-packages) \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && rm /tmp/system-packages \
    && groupadd --gid 10001 aquaerp \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin aquaerp
# Owned by root: the process cannot modify its own code (read-only root filesystem in Kubernetes).
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    XDG_CACHE_HOME=/tmp/cache
WORKDIR /app
USER 10001:10001

# --- gateway: the REST gateway (HTTP 8000); `migrate` applies its own schema migrations ------
FROM runtime AS gateway
ENV GATEWAY_HTTP_PORT=8000
EXPOSE 8000
# SIGTERM: /readyz turns unready, then in-flight requests finish within the grace period.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('GATEWAY_HTTP_PORT', '8000'); sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=3).status != 200)"]
ENTRYPOINT ["python", "-m", "aquaerp_gateway"]

# --- backup: PostgreSQL 17 client tools (they dump servers up to 17) and rclone for Spaces -----
FROM ${POSTGRES_IMAGE} AS backup
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends rclone ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 backup \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin backup
COPY scripts/backup/lib.sh scripts/backup/pg-backup.sh scripts/backup/restore-drill.sh /opt/aquaerp-backup/
ENV PATH=/opt/aquaerp-backup:$PATH \
    XDG_CONFIG_HOME=/tmp \
    XDG_CACHE_HOME=/tmp
USER 10001:10001
WORKDIR /tmp
STOPSIGNAL SIGTERM
# A batch job: Kubernetes watches the Job's completion, there is no server to probe.
HEALTHCHECK NONE
ENTRYPOINT ["pg-backup.sh"]

# --- service (the default target): one gRPC service, `python -m aquaerp_<SERVICE>` -----------
FROM runtime AS service
ARG SERVICE
# The settings read <SERVICE>_GRPC_PORT and <SERVICE>_METRICS_PORT; these are the defaults.
ENV AQUAERP_SERVICE=${SERVICE} \
    AQUAERP_GRPC_PORT=50051 \
    AQUAERP_METRICS_PORT=9102
EXPOSE 50051 9102
# SIGTERM: the server reports NOT_SERVING, waits the drain delay, then stops with a grace period.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, grpc; from grpc_health.v1 import health_pb2 as h, health_pb2_grpc as g; prefix = os.environ['AQUAERP_SERVICE'].upper(); port = os.environ.get(f'{prefix}_GRPC_PORT', os.environ['AQUAERP_GRPC_PORT']); reply = g.HealthStub(grpc.insecure_channel(f'127.0.0.1:{port}')).Check(h.HealthCheckRequest(), timeout=3); sys.exit(reply.status != h.HealthCheckResponse.SERVING)"]
# The ports default to the values above unless the service's own variables are set.
ENTRYPOINT ["/bin/sh", "-c", "prefix=$(echo \"$AQUAERP_SERVICE\" | tr a-z A-Z); export \"${prefix}_GRPC_PORT=$(printenv \"${prefix}_GRPC_PORT\" || echo \"$AQUAERP_GRPC_PORT\")\" \"${prefix}_METRICS_PORT=$(printenv \"${prefix}_METRICS_PORT\" || echo \"$AQUAERP_METRICS_PORT\")\"; exec python -m \"aquaerp_${AQUAERP_SERVICE}\" \"$@\"", "aquaerp"]
CMD ["serve"]
