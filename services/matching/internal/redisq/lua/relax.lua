-- ARGV[4]: most tickets to handle. Tickets that waited RELAX_AFTER may
-- now match any difficulty of their topic: pair them if a ticket is
-- compatible, else index them as relaxed for newcomers to find.
-- Returns {pairs made, 1 if more are due}.
local limit = tonumber(ARGV[4])
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', K .. 'relax', '-inf', now, 'LIMIT', 0, limit)
local made = 0
for _, id in ipairs(due) do
  redis.call('ZREM', K .. 'relax', id)
  local t = load(id)
  if t and t.status == 'queued' then
    if t.expires_at <= now then
      expire_ticket(t)
    else
      redis.call('HSET', tkey(id), 'relaxed', '1')
      local p = find_partner(t, now, true)
      t.relaxed = true -- for unindex: it is no longer in the relax zset
      if p then
        pair(t, p, now)
        made = made + 1
      else
        index_relaxed(t)
        -- A new state for the user's socket: "now any difficulty".
        redis.call('HINCRBY', tkey(id), 'ver', 1)
        emit(id)
      end
    end
  end
end
local more = 0
if #due == limit then more = 1 end
return {made, more}
