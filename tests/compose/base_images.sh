#!/usr/bin/env bash
# The base images the Dockerfile and docker-compose.yml name (python:3.11-slim, redis:7-alpine):
# kept if present, pulled if a registry answers, else built here as local stand-ins from a
# Debian bookworm root made by `debootstrap --variant=minbase` and `docker import`ed.
# The stand-ins get this host's CA bundle and pip.conf, so pip in a build reaches PyPI the way
# pip on this host does (through a TLS-inspecting proxy, say). They are cached: a second run
# finds them and does nothing. Needs root (debootstrap) only when it has to build.
set -euo pipefail

PYTHON_IMAGE=python:3.11-slim
REDIS_IMAGE=redis:7-alpine
BASE=statusmon-standin/bookworm:latest
ROOTFS=${BOOKWORM_ROOT:-/var/tmp/bookworm-root}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

say() { echo "base images: $*" >&2; }
have() { docker image inspect "$1" >/dev/null 2>&1; }
pulled() { timeout 60 docker pull -q "$1" >/dev/null 2>&1; }

bookworm_root() {
  if [ -x "$ROOTFS/usr/bin/python3" ] && [ -e "$ROOTFS/usr/lib/python3.11/venv" ]; then
    return
  fi
  command -v debootstrap >/dev/null || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
  }
  say "debootstrap bookworm into $ROOTFS (a few minutes)"
  rm -rf "$ROOTFS.part"
  debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
    bookworm "$ROOTFS.part" "$MIRROR" >/dev/null
  mv "$ROOTFS.part" "$ROOTFS"
}

base() {
  have "$BASE" && return
  bookworm_root
  say "importing $ROOTFS as $BASE"
  tar -C "$ROOTFS" -c . | docker import - "$BASE" >/dev/null
}

standin() { # standin IMAGE: build IMAGE from the Dockerfile on stdin, with the host's TLS setup
  local context
  context=$(mktemp -d)
  cp /etc/ssl/certs/ca-certificates.crt "$context/"
  if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$context/"; else
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$context/pip.conf"
  fi
  cat >"$context/Dockerfile"
  say "building stand-in $1"
  docker build -q -t "$1" "$context" >/dev/null
  rm -rf "$context"
}

if have "$PYTHON_IMAGE" || pulled "$PYTHON_IMAGE"; then
  say "$PYTHON_IMAGE present"
else
  base
  standin "$PYTHON_IMAGE" <<DOCKERFILE
FROM $BASE
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY pip.conf /etc/pip.conf
ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN ln -s python3 /usr/bin/python
LABEL org.statusmon.stand-in="$PYTHON_IMAGE from Debian bookworm (tests/compose/base_images.sh)"
CMD ["python3"]
DOCKERFILE
fi

if have "$REDIS_IMAGE" || pulled "$REDIS_IMAGE"; then
  say "$REDIS_IMAGE present"
else
  base
  # Like the official image: no config file, so protected mode goes (the network is the guard).
  standin "$REDIS_IMAGE" <<DOCKERFILE
FROM $BASE
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* && mkdir -p /data \
    && printf '#!/bin/sh\nexec /usr/bin/redis-server "\$@" --protected-mode no\n' \
        > /usr/local/bin/redis-server && chmod +x /usr/local/bin/redis-server
WORKDIR /data
LABEL org.statusmon.stand-in="$REDIS_IMAGE: Debian bookworm's redis-server (tests/compose/base_images.sh)"
EXPOSE 6379
CMD ["redis-server"]
DOCKERFILE
fi
