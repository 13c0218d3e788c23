-- The waiting tickets (every one is due to time out, so in the expire set),
-- in total and per difficulty, for the QueueDepth metric. Returns
-- {total, easy, medium, hard}. Read-only; O(waiting tickets), run once a
-- minute per replica.
local ids = redis.call('ZRANGE', K .. 'expire', 0, -1)
local n = {}
for _, d in ipairs(DIFFS) do n[d] = 0 end
for _, id in ipairs(ids) do
  local d = redis.call('HGET', tkey(id), 'difficulty')
  if d and n[d] then n[d] = n[d] + 1 end
end
return {#ids, n.easy, n.medium, n.hard}
