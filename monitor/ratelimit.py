"""A token bucket per channel in Redis, shared by every worker: `rate` messages a second, up to
`burst` at once. A caller that finds no token reserves the next one (the bucket goes below
zero) and is told how long to wait for it, so waiting callers get successive slots instead of
all retrying at the same moment."""

from __future__ import annotations

import math

import redis

from monitor import keys

_RESERVE = """
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(held[1]) or burst
local at = tonumber(held[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens),
  'at', string.format('%.6f', now))
redis.call('EXPIRE', KEYS[1], ARGV[4])
if tokens >= 0 then return '0' end
return string.format('%.6f', -tokens / rate)
"""


def reserve(r: redis.Redis, channel: str, rate: float, burst: int, now: float) -> float:
    """Take a token: 0.0 if one was there, else the seconds until the one reserved."""
    ttl = math.ceil(burst / rate) + 3600
    return float(r.eval(_RESERVE, 1, keys.bucket(channel), rate, burst, now, ttl))
