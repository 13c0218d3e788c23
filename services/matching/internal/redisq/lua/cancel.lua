-- ARGV[4]: user id. Cancels the user's ticket if it is still waiting.
-- Returns {'none'} or {'ok', ticket after}.
local cur = redis.call('GET', K .. 'u:' .. ARGV[4])
if not cur then return {'none'} end
local t = load(cur)
if not t then return {'none'} end
if t.status == 'queued' then
  if t.expires_at <= now_ms() then
    expire_ticket(t)
  else
    unindex(t)
    end_ticket(cur, 'cancelled', {})
  end
end
return {'ok', redis.call('HGETALL', tkey(cur))}
