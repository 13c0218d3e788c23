-- ARGV[4..]: match id, user id, new ticket id, relax after (ms), timeout
-- (ms). Puts the user, whose partner never joined the match's session, back
-- in the queue at the front: a new ticket with the criteria of the user's
-- ticket of the match, ahead of every waiting ticket of those queues. Once
-- per match and user (the match remembers the new ticket). Returns
-- {'queued'|'paired', ticket} (the ticket already made when asked again),
-- {'moved'} when the user has another ticket since, {'gone'} when the
-- match, the old ticket or the account is gone.
local mid, user, id = ARGV[4], ARGV[5], ARGV[6]
local relax, timeout = tonumber(ARGV[7]), tonumber(ARGV[8])
local mk = K .. 'm:' .. mid
local m = redis.call('HMGET', mk, 'ticket_a', 'ticket_b', 'user_a', 'user_b', 'requeued:' .. user)
if not m[1] then return {'gone'} end
if m[5] then
  local f = redis.call('HGETALL', tkey(m[5]))
  if #f == 0 then return {'gone'} end
  return {'queued', f}
end
local old_id = nil
if m[3] == user then old_id = m[1] elseif m[4] == user then old_id = m[2] end
if not old_id or gone(user) then return {'gone'} end
local old = load(old_id)
if not old then return {'gone'} end
local uk = K .. 'u:' .. user
local cur = redis.call('GET', uk)
if cur and cur ~= old_id then return {'moved'} end
local now = now_ms()
local ep = epoch(now)
local relaxed_now = old.relaxed or relax == 0
local me = {id = id, user = user, difficulty = old.difficulty, topic = old.topic, language = old.language,
            status = 'queued', expires_at = now + timeout, relaxed = relaxed_now, queued_at = tostring(now),
            mode = old.mode, interviewer = old.interviewer}
-- The front: below the oldest ticket of every queue the ticket joins, and
-- never behind its own place before the match.
local seq = old.seq
local keys = {qkey(me.mode, me.difficulty, me.topic, me.language), qakey(me.mode, me.difficulty, me.topic),
              rkey(me.mode, me.topic, me.language), rakey(me.mode, me.topic)}
for _, k in ipairs(keys) do
  local h = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')
  if #h == 2 and tonumber(h[2]) - 1 < seq then seq = tonumber(h[2]) - 1 end
end
me.seq = seq
local relaxed_flag = '0'
if relaxed_now then relaxed_flag = '1' end
local interviewer = '0'
if old.interviewer then interviewer = '1' end
local fields = {'id', id, 'user', user, 'difficulty', me.difficulty, 'topic', me.topic, 'language', me.language,
  'status', 'queued', 'seq', tostring(redis.call('INCR', K .. 'seq')), 'qseq', tostring(seq), 'ver', '1', 'epoch', ep, 'queued_at', tostring(now),
  'expires_at', tostring(now + timeout), 'relax_at', tostring(now + relax), 'relaxed', relaxed_flag,
  'mode', me.mode, 'interviewer', interviewer, 'requeued_from', mid}
local tk = tkey(id)
redis.call('HSET', tk, unpack(fields))
redis.call('SET', uk, id)
redis.call('HSET', mk, 'requeued:' .. user, id)
return place(me, fields, now, relax, timeout)
