-- ARGV[4..]: invite code, the user asking. Only the inviter may cancel,
-- and only an open invite. Returns 'missing', 'forbidden', the status of
-- an invite no longer open ('used', 'cancelled'), or 'ok'.
local ik = K .. 'inv:' .. ARGV[4]
local v = redis.call('HMGET', ik, 'inviter', 'status')
if not v[1] then return 'missing' end
if v[1] ~= ARGV[5] then return 'forbidden' end
if v[2] ~= 'open' then return v[2] end
redis.call('HSET', ik, 'status', 'cancelled')
return 'ok'
