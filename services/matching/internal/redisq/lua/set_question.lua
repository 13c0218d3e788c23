-- ARGV[4..]: match id, question id. The first question recorded wins.
local mk = K .. 'm:' .. ARGV[4]
if redis.call('EXISTS', mk) == 0 then return false end
redis.call('HSETNX', mk, 'question_id', ARGV[5])
return redis.call('HGET', mk, 'question_id')
