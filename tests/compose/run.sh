#!/usr/bin/env bash
# make compose-test: the compose deployment run for real (tests/compose/driver.py says what).
# Here: a Docker engine and a Compose CLI (Debian's docker.io and docker-compose, installed when
# missing; Compose v2 is used when it is there instead), dockerd started when none runs, and
# the base images (tests/compose/base_images.sh: pulled, or local stand-ins). Needs root for
# what it installs or starts; a user in the docker group gets by when all is there already.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-.venv/bin/python}
started=$(date +%s)

apt_install() {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The engine, not only a client: some images ship a docker CLI without dockerd.
if ! command -v dockerd >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
  echo "compose-test: installing docker.io" >&2
  apt_install docker.io
fi
if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
  echo "compose-test: installing docker-compose" >&2
  apt_install docker-compose
fi

if ! docker info >/dev/null 2>&1; then
  echo "compose-test: starting dockerd (log: /var/log/statusmon-dockerd.log)" >&2
  nohup dockerd >/var/log/statusmon-dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "compose-test: dockerd did not start" >&2; exit 1; }
fi
echo "compose-test: docker $(docker version -f '{{.Server.Version}}'), $( (docker-compose version --short 2>/dev/null || docker compose version --short) | head -1)" >&2

tests/compose/base_images.sh
echo "compose-test: engine and base images ready in $(($(date +%s) - started))s" >&2
exec "$PYTHON" -m tests.compose.driver
