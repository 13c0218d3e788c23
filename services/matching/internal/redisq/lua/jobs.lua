-- ARGV[4..]: 'touch'|'release', consumer, entry ids. For each entry the
-- consumer still owns: touch resets its idle time (work in progress), release
-- makes it look long idle so any replica claims it at once.
local jobs, op, consumer = K .. 'jobs', ARGV[4], ARGV[5]
local n = 0
for i = 6, #ARGV do
  local id = ARGV[i]
  local p = redis.call('XPENDING', jobs, 'setup', id, id, 1, consumer)
  if #p > 0 then
    if op == 'touch' then
      redis.call('XCLAIM', jobs, 'setup', consumer, 0, id, 'JUSTID')
    else
      redis.call('XCLAIM', jobs, 'setup', consumer, 0, id, 'IDLE', 86400000, 'JUSTID')
    end
    n = n + 1
  end
end
return n
