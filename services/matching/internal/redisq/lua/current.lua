-- ARGV[4]: user id. The user's current ticket, or nil.
local id = redis.call('GET', K .. 'u:' .. ARGV[4])
if not id then return false end
local f = redis.call('HGETALL', tkey(id))
if #f == 0 then return false end
return f
