-- ARGV[4]: most tickets to handle. Times out tickets that waited MATCH_TIMEOUT.
-- Returns {tickets handled, 1 if more are due}.
local limit = tonumber(ARGV[4])
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', K .. 'expire', '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(due) do
  redis.call('ZREM', K .. 'expire', id)
  local t = load(id)
  if t and t.status == 'queued' then expire_ticket(t) end
end
local more = 0
if #due == limit then more = 1 end
return {#due, more}
