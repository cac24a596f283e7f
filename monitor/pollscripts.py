"""The Lua scripts of monitor.pollstore (which documents what each one does): `begin` and
`finish` of a poll, and the pace a changed poll saves (with `repace`, shared)."""

# Move a page's next due time when its interval changes: its grid stays anchored on the due
# time it was last claimed at (its phase), only the spacing changes. Not for a removed page.
REPACE = """
local function repace(intervals, schedule, id, now, new)
  local old = redis.call('HGET', intervals, id)
  if not old or tonumber(old) == new then return end
  redis.call('HSET', intervals, id, new)
  local due = redis.call('ZSCORE', schedule, id)
  if not due then return end
  local last = tonumber(due) - tonumber(old)
  local steps = math.max(1, math.ceil((now - last) / new))
  redis.call('ZADD', schedule, last + steps * new, id)
end
"""

BEGIN = """
local till = redis.call('HGET', KEYS[1], 'until')
if till and tonumber(till) > tonumber(ARGV[1]) then return {'backed_off', till} end
if not redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3], 'NX') then
  return {'busy', till or ''}
end
local out = {'ok', till or ''}
local n = tonumber(ARGV[4])
for i = 1, n do
  local v = redis.call('HMGET', KEYS[2 + i], 'etag', 'last_modified', 'body_hash')
  for j = 1, 3 do table.insert(out, v[j] or '') end
end
for i = 1, n do table.insert(out, redis.call('GET', KEYS[2 + n + i]) or '') end
return out
"""

FINISH = (
    REPACE
    + """
local ours = 0
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  ours = 1
end
local id = ARGV[2]
if ARGV[3] == 'changed' or ARGV[3] == 'not_modified' then
  redis.call('HSET', KEYS[7], id, ARGV[6])
  redis.call('HDEL', KEYS[8], id)
elseif ARGV[3] == 'error' then
  redis.call('HSET', KEYS[7], id, ARGV[6])
  redis.call('HSETNX', KEYS[8], id, ARGV[6])
end
if ARGV[3] ~= '' then
  redis.call('HINCRBY', KEYS[2], id .. '|' .. ARGV[3], 1)
  if tonumber(ARGV[4]) > 0 then redis.call('HINCRBY', KEYS[3], id .. '|fetched', ARGV[4]) end
  if tonumber(ARGV[5]) > 0 then redis.call('HINCRBY', KEYS[3], id .. '|full', ARGV[5]) end
end
local now = tonumber(ARGV[6])
local pace = redis.call('HMGET', KEYS[4], 'reason', 'until')
if pace[1] == 'change' and tonumber(pace[2] or '0') <= now then
  local quiet = tonumber(ARGV[7])
  redis.call('HSET', KEYS[4], 'reason', 'quiet', 'detail', '', 'since', now, 'interval', quiet)
  repace(KEYS[5], KEYS[6], id, now, quiet)
end
return ours
"""
)

PACE = (
    REPACE
    + """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end  -- removed meanwhile
local now = tonumber(ARGV[2])
local interval, reason, detail = tonumber(ARGV[3]), ARGV[4], ARGV[5]
local prev = redis.call('HMGET', KEYS[1], 'reason', 'until', 'detail', 'since')
local till = math.max(tonumber(ARGV[6]), tonumber(prev[2] or '0'))
if reason == 'quiet' and till > now then
  reason, interval = 'change', tonumber(ARGV[7])
  detail = prev[3] or 'changed'
end
local since = now
if prev[1] == reason and prev[4] then since = prev[4] end
redis.call('HSET', KEYS[1], 'interval', interval, 'reason', reason, 'detail', detail,
  'until', till, 'since', since, 'active', ARGV[7], 'max_age', ARGV[8])
repace(KEYS[2], KEYS[3], ARGV[1], now, interval)
return interval
"""
)
