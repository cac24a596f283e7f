"""Waiting for a Redis key to be written or to expire, by keyspace notification (no polling)."""

from __future__ import annotations

import time

import redis
from redis.client import PubSub

# Keyspace channel (K) for string commands ($), generic ones like DEL (g) and expiries (x).
EVENTS = "K$gx"


def _watch(r: redis.Redis, key: str) -> PubSub:
    """Subscribed to `key`'s keyspace channel, before the caller first looks at the key, so no
    change between that look and the wait is missed."""
    r.config_set("notify-keyspace-events", EVENTS)
    db = r.connection_pool.connection_kwargs.get("db", 0)
    pubsub = r.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(f"__keyspace@{db}__:{key}")
    return pubsub


def wait_for_key(r: redis.Redis, key: str, timeout: float = 15) -> str:
    """Block until `key` is written, then return its value."""
    pubsub = _watch(r, key)
    try:
        deadline = time.monotonic() + timeout
        while (value := r.get(key)) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{key} not written within {timeout}s")
            pubsub.get_message(timeout=left)
        return str(value)
    finally:
        pubsub.close()


def wait_for_expiry(r: redis.Redis, key: str, timeout: float = 15) -> None:
    """Block until `key` is gone (its TTL ran out, or it was deleted)."""
    pubsub = _watch(r, key)
    try:
        deadline = time.monotonic() + timeout
        while r.exists(key):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{key} still there after {timeout}s")
            pubsub.get_message(timeout=left)
    finally:
        pubsub.close()
