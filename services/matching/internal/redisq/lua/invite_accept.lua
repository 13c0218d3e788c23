-- ARGV[4..]: invite code, the accepting user, that user's ticket as the
-- caller saw it (id, version; '' and '0' for none), the inviter's likewise,
-- then the new ticket ids for the accepting user and the inviter.
-- The invite hash inv:<code> is used at most once: exactly one caller
-- finds it open and marks it used. Returns {'missing'}, {'gone', status},
-- {'self'}, {'gone_user'}, {'conflict', live ticket}, {'in_session',
-- matched ticket}, {'inviter_busy'}, or {'ok', the new ticket}.
local code, user = ARGV[4], ARGV[5]
local seen_id, seen_ver, iseen_id, iseen_ver = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local tid_user, tid_inviter = ARGV[10], ARGV[11]
local ik = K .. 'inv:' .. code
local inv = redis.call('HMGET', ik, 'id', 'inviter', 'status', 'expires_at', 'question_id', 'topic', 'difficulty',
  'language', 'mode', 'inviter_role')
if not inv[1] then return {'missing'} end
local now = now_ms()
if inv[3] ~= 'open' then return {'gone', inv[3]} end
if tonumber(inv[4]) <= now then return {'gone', 'expired'} end
local inviter = inv[2]
if inviter == user then return {'self'} end
if gone(user) or gone(inviter) then return {'gone_user'} end

-- The rules of tickets: a live ticket, or a match newer than the caller's
-- look at collaboration-service, refuses.
local function busy(u, sid, sver)
  local cur = redis.call('GET', K .. 'u:' .. u)
  if not cur then return nil end
  local st = redis.call('HGET', tkey(cur), 'status')
  if st == 'queued' or st == 'pairing' then return 'conflict', cur end
  if st == 'matched' and (cur ~= sid or redis.call('HGET', tkey(cur), 'ver') ~= sver) then return 'in_session', cur end
  return nil
end
local why, cur = busy(user, seen_id, seen_ver)
if why then return {why, redis.call('HGETALL', tkey(cur))} end
if busy(inviter, iseen_id, iseen_ver) then return {'inviter_busy'} end

local mid, mode, lang = inv[1], inv[9], inv[8]
local ep = epoch(now)
local ids = {[user] = tid_user, [inviter] = tid_inviter}
for _, u in ipairs({inviter, user}) do
  local wants = '0'
  if mode == 'mock' and ((u == inviter) == (inv[10] ~= 'candidate')) then wants = '1' end
  local seq = redis.call('INCR', K .. 'seq')
  redis.call('HSET', tkey(ids[u]), 'id', ids[u], 'user', u, 'difficulty', inv[7], 'topic', inv[6], 'language', lang,
    'status', 'pairing', 'seq', tostring(seq), 'ver', '1', 'epoch', ep, 'queued_at', tostring(now),
    'expires_at', tostring(now + 60000), 'relax_at', tostring(now), 'relaxed', '0', 'mode', mode,
    'interviewer', wants, 'match_id', mid, 'invite', code)
  redis.call('SET', K .. 'u:' .. u, ids[u])
end
local a_wants, b_wants = '0', '0'
if mode == 'mock' then
  if inv[10] == 'candidate' then b_wants = '1' else a_wants = '1' end
end
-- The inviter is user_a: the match's question is chosen as any match's,
-- unless the invite named one.
local mk = K .. 'm:' .. mid
redis.call('HSET', mk, 'id', mid, 'ticket_a', tid_inviter, 'ticket_b', tid_user, 'user_a', inviter, 'user_b', user,
  'topic', inv[6], 'difficulty', inv[7], 'language', lang, 'created_at', now, 'status', 'pending',
  'at_seq', redis.call('GET', K .. 'seq') or '0', 'queued_a', '0', 'queued_b', '0',
  'mode', mode, 'interviewer_a', a_wants, 'interviewer_b', b_wants, 'invite', code)
if inv[5] and inv[5] ~= '' then redis.call('HSET', mk, 'question_id', inv[5]) end
redis.call('XADD', K .. 'jobs', '*', 'match', mid)
redis.call('HSET', ik, 'status', 'used', 'accepted_by', user, 'accepted_at', tostring(now))
return {'ok', redis.call('HGETALL', tkey(tid_user))}
