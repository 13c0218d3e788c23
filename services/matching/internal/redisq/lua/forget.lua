-- ARGV[4]: user id of a deleted account, ARGV[5]: how long to remember it
-- (ms; longer than its access tokens live). Its waiting ticket is
-- cancelled, and no ticket of it pairs or is queued from now on.
-- Returns {'none'} or {'ok', ticket after}.
redis.call('SET', K .. 'gone:' .. ARGV[4], '1', 'PX', ARGV[5])
local cur = redis.call('GET', K .. 'u:' .. ARGV[4])
if not cur then return {'none'} end
local t = load(cur)
if not t then return {'none'} end
if t.status == 'queued' then
  unindex(t)
  end_ticket(cur, 'cancelled', {})
end
return {'ok', redis.call('HGETALL', tkey(cur))}
