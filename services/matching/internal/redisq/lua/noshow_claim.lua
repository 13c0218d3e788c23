-- ARGV[4]: limit, ARGV[5]: lease (ms). Claims up to limit due no-show
-- checks by moving each one's due time a lease ahead, so one replica takes
-- each and a replica that dies holding one has it retried. Returns the
-- match ids.
local now = now_ms()
local ids = redis.call('ZRANGEBYSCORE', K .. 'noshow', '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do
  redis.call('ZADD', K .. 'noshow', now + tonumber(ARGV[5]), id)
end
return ids
