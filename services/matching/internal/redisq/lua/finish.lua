-- ARGV[4..]: match id, outcome ('matched'|'failed'), then for matched:
-- session id, question id, username of user_a, username of user_b, and the
-- interviewer's user id ('' outside mock interviews) and the no-show check
-- delay (ms; '0' for none: the match id is then not put in the noshow zset,
-- nor is an invite's);
-- for failed: the reason. Settles both tickets once. Returns the match
-- status after ('done'|'failed') or 'gone'.
local mid, outcome = ARGV[4], ARGV[5]
local mk = K .. 'm:' .. mid
local m = redis.call('HMGET', mk, 'status', 'ticket_a', 'ticket_b', 'user_a', 'user_b')
if not m[1] then return 'gone' end
if m[1] ~= 'pending' then return m[1] end
local tickets, users, names = {m[2], m[3]}, {m[4], m[5]}, {ARGV[8], ARGV[9]}
for i = 1, 2 do
  if redis.call('HGET', tkey(tickets[i]), 'status') == 'pairing' then
    local j = 3 - i
    if outcome == 'matched' then
      local extra = {'session_id', ARGV[6], 'question_id', ARGV[7], 'partner_id', users[j], 'partner_name', names[j]}
      local interviewer = ARGV[10] or ''
      if interviewer ~= '' then
        local role = 'candidate'
        if users[i] == interviewer then role = 'interviewer' end
        extra[#extra + 1] = 'role'
        extra[#extra + 1] = role
      end
      end_ticket(tickets[i], 'matched', extra)
    else
      end_ticket(tickets[i], 'failed', {'reason', ARGV[6]})
    end
  end
end
if outcome == 'matched' then
  redis.call('HSET', mk, 'status', 'done', 'session_id', ARGV[6], 'question_id', ARGV[7])
  local ns = tonumber(ARGV[11] or '0') or 0
  -- An invite's two people chose each other: no no-show check.
  if ns > 0 and not redis.call('HGET', mk, 'invite') then
    redis.call('ZADD', K .. 'noshow', now_ms() + ns, mid)
  end
else
  redis.call('HSET', mk, 'status', 'failed', 'reason', ARGV[6])
end
redis.call('PEXPIRE', mk, RETAIN)
return redis.call('HGET', mk, 'status')
