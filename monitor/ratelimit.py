"""A token bucket per channel in Redis, shared by every worker: `rate` messages a second, up to
`burst` at once. A caller that finds no token reserves the next one (the bucket goes below
zero) and is told how long to wait for it, so waiting callers get successive slots instead of
all retrying at the same moment. `TAKE` is the bucket as a Lua function, so that a delivery's
begin (monitor.delivery) takes its token in the same round trip."""

from __future__ import annotations

import math

import redis

from monitor import keys

# take(bucket key, rate, burst, now, ttl) -> '0', or the seconds to wait for the slot reserved
TAKE = """
local function take(key, rate, burst, now, ttl)
  rate, burst, now = tonumber(rate), tonumber(burst), tonumber(now)
  local held = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(held[1]) or burst
  local at = tonumber(held[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate) - 1
  redis.call('HSET', key, 'tokens', string.format('%.6f', tokens),
    'at', string.format('%.6f', now))
  redis.call('EXPIRE', key, ttl)
  if tokens >= 0 then return '0' end
  return string.format('%.6f', -tokens / rate)
end
"""
_RESERVE = TAKE + "return take(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])"


def reserve(r: redis.Redis, channel: str, rate: float, burst: int, now: float) -> float:
    """Take a token: 0.0 if one was there, else the seconds until the one reserved."""
    return float(r.eval(_RESERVE, 1, keys.bucket(channel), rate, burst, now, ttl(rate, burst)))


def ttl(rate: float, burst: int) -> int:
    """Seconds a bucket is kept after its last use: longer than it takes to refill."""
    return math.ceil(burst / rate) + 3600
