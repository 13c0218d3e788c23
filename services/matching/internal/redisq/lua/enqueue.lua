-- ARGV[4..]: ticket id, user id, difficulty, topic, language ('' = any),
-- relax after (ms), timeout (ms), then the user's ticket as the caller saw
-- it before asking collaboration-service for the user's session: its id
-- and version ('' and '0' for none); then the mode ('practise'|'mock') and
-- '1' when the user asks to start as the interviewer, else '0'.
-- Returns {'queued'|'paired', ticket}, {'conflict', live ticket}, or
-- {'in_session', matched ticket} when that ticket was matched after the
-- caller's look (so collaboration's "no session" answer predates it), or
-- {'gone'} when the account was deleted.
local id, user, d, topic, l = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local relax, timeout = tonumber(ARGV[9]), tonumber(ARGV[10])
local seen_id, seen_ver = ARGV[11], ARGV[12]
if gone(user) then return {'gone'} end
local mode, interviewer = ARGV[13], ARGV[14]
if mode ~= 'mock' then mode = 'practise' end
if interviewer ~= '1' then interviewer = '0' end
local now = now_ms()
local ep = epoch(now)
local uk = K .. 'u:' .. user
local cur = redis.call('GET', uk)
if cur then
  local st = redis.call('HGET', tkey(cur), 'status')
  if st == 'queued' or st == 'pairing' then
    return {'conflict', redis.call('HGETALL', tkey(cur))}
  end
  if st == 'matched' and (cur ~= seen_id or redis.call('HGET', tkey(cur), 'ver') ~= seen_ver) then
    return {'in_session', redis.call('HGETALL', tkey(cur))}
  end
end
local seq = redis.call('INCR', K .. 'seq')
local tk = tkey(id)
local relaxed_now = relax == 0
local relaxed_flag = '0'
if relaxed_now then relaxed_flag = '1' end
local fields = {'id', id, 'user', user, 'difficulty', d, 'topic', topic, 'language', l,
  'status', 'queued', 'seq', tostring(seq), 'ver', '1', 'epoch', ep, 'queued_at', tostring(now),
  'expires_at', tostring(now + timeout), 'relax_at', tostring(now + relax), 'relaxed', relaxed_flag,
  'mode', mode, 'interviewer', interviewer}
redis.call('HSET', tk, unpack(fields))
redis.call('SET', uk, id)
local me = {id = id, user = user, difficulty = d, topic = topic, language = l, status = 'queued',
            seq = seq, expires_at = now + timeout, relaxed = relaxed_now, queued_at = tostring(now),
            mode = mode, interviewer = interviewer == '1'}
return place(me, fields, now, relax, timeout)
