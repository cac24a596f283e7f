"""The Lua scripts of monitor.delivery (which documents what each one does): `begin` (with
the rate-limit token of monitor.ratelimit), `postpone`, `finish`, and the tick's `claim_due`."""

from monitor.ratelimit import TAKE

BEGIN = (
    TAKE
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then redis.call('ZREM', KEYS[2], ARGV[1]) return {'missing'} end
if state == 'delivered' or state == 'dead' then
  redis.call('ZREM', KEYS[2], ARGV[1]) return {state}
end
local now = tonumber(ARGV[2])
if state == 'sending' and tonumber(redis.call('HGET', KEYS[1], 'lease') or '0') > now then
  return {'busy'}
end
local lease = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'state', 'sending', 'lease', tostring(lease))
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('ZADD', KEYS[2], lease, ARGV[1])
local f = redis.call('HMGET', KEYS[1], 'entry', 'printed_at', 'slot', 'severity')
local found = redis.call('XRANGE', KEYS[3], f[1] or '0-0', f[1] or '0-0')
local event, page = '', ''
if found[1] then
  local fields = found[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'event' then event = fields[i + 1] end
    if fields[i] == 'page' then page = fields[i + 1] end
  end
end
local failing = tostring(redis.call('EXISTS', KEYS[4]))
local wait = ''
if failing == '0' and (f[3] or '') == '' and ARGV[4] ~= '' then
  wait = take(KEYS[5], ARGV[4], ARGV[5], ARGV[2], ARGV[6])
end
local page_state = ''
if (f[4] or '') == '' and page ~= '' then
  page_state = redis.call('GET', ARGV[7] .. page) or ''
end
return {'go', tostring(attempts), f[1] or '', f[2] or '', f[3] or '', f[4] or '', event,
  failing, wait, page_state}
"""
)

POSTPONE = """
if redis.call('HGET', KEYS[1], 'state') ~= 'sending' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'pending', 'slot', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'attempts', -1)
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
"""

FINISH = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'delivered' or state == 'dead' or not state then return 0 end
local outcome = ARGV[2]
redis.call('HDEL', KEYS[1], 'lease', 'slot')
redis.call('HSET', KEYS[1], 'last_error', ARGV[4], 'at', ARGV[5])
if outcome == 'retry' then
  redis.call('HSET', KEYS[1], 'state', 'pending')
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
  return 1
end
redis.call('HSET', KEYS[1], 'state', outcome)
redis.call('ZREM', KEYS[2], ARGV[1])
if outcome == 'dead' then
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[5]) - 2592000)  -- kept 30 days
end
return 1
"""

CLAIM_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[2], member) end
return due
"""
