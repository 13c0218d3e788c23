-- Shared by every matching script (prepended to each). All keys start with
-- K = ARGV[1], "<REDIS_KEY_PREFIX>matching:{match}:": the hash tag puts every
-- key in one slot, so each script is one atomic step on one shard.
--   seq              INCR counter: the FIFO order of tickets (Redis-side, not replica clocks)
--   mseq             INCR counter behind match ids
--   epoch            names this data set; remade (Redis TIME in ms) when Redis lost its data
--   t:<ticket>       hash: one ticket (seq orders its states for the sockets;
--                    qseq, when set, is its place in the queues instead)
--   u:<user>         string: the user's current ticket id
--   q:<d>:<topic>:<lang|*>  zset by seq: waiting tickets of exactly these criteria
--   qa:<d>:<topic>          zset by seq: all waiting tickets of (d, topic), any language
--   r:<topic>:<lang|*>, ra:<topic>  the same for tickets that may match any difficulty
--   mq:…, mqa:…, mr:…, mra:…  the same four for mode "mock": modes never share a
--                    queue. Practise keeps the unprefixed keys, so tickets queued
--                    before modes existed (no mode field) are practise tickets.
--   relax, expire    zsets by due time (ms): when a waiting ticket relaxes / times out
--   m:<match>        hash: one pairing (queued_a/queued_b: when its tickets were queued, ms)
--   jobs             stream (consumer group "setup"): pairings whose session must be set up
--   events           stream: every ticket state change, read by every replica
--   gone:<user>      string, expiring: the account was deleted; its tickets never pair
--   noshow           zset by due time (ms): matches whose session is checked
--                    for a partner who never joined (claimed by moving the
--                    score a lease ahead; removed once handled)
local K = ARGV[1]
local EVENTS_MAXLEN = ARGV[2]
local RETAIN = ARGV[3]
local DIFFS = {'easy', 'medium', 'hard'}

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function tkey(id) return K .. 't:' .. id end
local function gone(user) return redis.call('EXISTS', K .. 'gone:' .. user) == 1 end
local function lpart(l) if l == '' then return '*' end return l end
-- mk is the key prefix of mode m's queues: '' for practise (and tickets
-- without a mode), 'm' for mock.
local function mk(m) if m == 'mock' then return K .. 'm' end return K end
local function qkey(m, d, topic, l) return mk(m) .. 'q:' .. d .. ':' .. topic .. ':' .. lpart(l) end
local function qakey(m, d, topic) return mk(m) .. 'qa:' .. d .. ':' .. topic end
local function rkey(m, topic, l) return mk(m) .. 'r:' .. topic .. ':' .. lpart(l) end
local function rakey(m, topic) return mk(m) .. 'ra:' .. topic end

-- The queues holding the tickets of mode m and (d, topic) a ticket asking
-- for language l may pair with: for a language, its own queue and the
-- any-language one; for any language, the queue of all. d == nil: the
-- relaxed queues.
local function compat_queues(m, d, topic, l)
  if d == nil then
    if l == '' then return {rakey(m, topic)} end
    return {rkey(m, topic, l), rkey(m, topic, '')}
  end
  if l == '' then return {qakey(m, d, topic)} end
  return {qkey(m, d, topic, l), qkey(m, d, topic, '')}
end

-- index_relaxed adds a ticket to its mode's queues of any difficulty.
local function index_relaxed(t)
  redis.call('ZADD', rkey(t.mode, t.topic, t.language), t.seq, t.id)
  redis.call('ZADD', rakey(t.mode, t.topic), t.seq, t.id)
end

local function index(t, relaxed)
  redis.call('ZADD', qkey(t.mode, t.difficulty, t.topic, t.language), t.seq, t.id)
  redis.call('ZADD', qakey(t.mode, t.difficulty, t.topic), t.seq, t.id)
  if relaxed then index_relaxed(t) end
end

local function epoch(now)
  local e = redis.call('GET', K .. 'epoch')
  if not e then
    e = tostring(now)
    redis.call('SET', K .. 'epoch', e)
  end
  return e
end

local function load(id)
  local v = redis.call('HMGET', tkey(id), 'user', 'difficulty', 'topic', 'language', 'status', 'seq', 'expires_at', 'relaxed', 'queued_at',
    'mode', 'interviewer', 'qseq')
  if not v[1] then return nil end
  -- seq is the ticket's place in the queues: qseq when set (a ticket
  -- queued again at the front after a no-show), else its own seq.
  return {id = id, user = v[1], difficulty = v[2], topic = v[3], language = v[4], status = v[5],
          seq = tonumber(v[12] or v[6]), expires_at = tonumber(v[7]), relaxed = v[8] == '1', queued_at = v[9],
          mode = v[10] or 'practise', interviewer = v[11] == '1'}
end

-- emit appends a ticket's whole state (its hash's fields) to the events stream.
local function emit_fields(f)
  redis.call('XADD', K .. 'events', 'MAXLEN', '~', EVENTS_MAXLEN, '*', unpack(f))
end

local function emit(id)
  local f = redis.call('HGETALL', tkey(id))
  if #f > 0 then emit_fields(f) end
end

local function unindex(t)
  redis.call('ZREM', qkey(t.mode, t.difficulty, t.topic, t.language), t.id)
  redis.call('ZREM', qakey(t.mode, t.difficulty, t.topic), t.id)
  if t.relaxed then
    redis.call('ZREM', rkey(t.mode, t.topic, t.language), t.id)
    redis.call('ZREM', rakey(t.mode, t.topic), t.id)
  else
    redis.call('ZREM', K .. 'relax', t.id)
  end
  redis.call('ZREM', K .. 'expire', t.id)
end

-- end_ticket moves a ticket to a final state, keeps it for RETAIN ms (so
-- GET /tickets/current can still show it) and announces it.
local function end_ticket(id, status, extra)
  local tk = tkey(id)
  redis.call('HSET', tk, 'status', status, 'ended_seq', redis.call('GET', K .. 'seq') or '0', unpack(extra))
  redis.call('HINCRBY', tk, 'ver', 1)
  redis.call('PEXPIRE', tk, RETAIN)
  local uk = K .. 'u:' .. redis.call('HGET', tk, 'user')
  if redis.call('GET', uk) == id then
    redis.call('PEXPIRE', uk, RETAIN)
  end
  emit(id)
end

local function expire_ticket(t)
  unindex(t)
  end_ticket(t.id, 'timeout', {})
end

-- head is the oldest ticket of a queue that may pair with (self_id, user):
-- never the ticket itself, never the same user, never a deleted account's.
-- Index entries of tickets no longer waiting are dropped, and overdue
-- tickets (and deleted accounts' tickets) are ended on the way.
local function head(key, self_id, user, now)
  local start = 0
  while true do
    local ids = redis.call('ZRANGE', key, start, start + 7)
    if #ids == 0 then return nil end
    local kept = 0
    for _, id in ipairs(ids) do
      local c = nil
      if id ~= self_id then c = load(id) end
      if id == self_id then
        kept = kept + 1
      elseif not c or c.status ~= 'queued' then
        redis.call('ZREM', key, id)
      elseif gone(c.user) then
        unindex(c)
        end_ticket(c.id, 'cancelled', {})
      elseif c.expires_at <= now then
        expire_ticket(c)
      elseif c.user == user then
        kept = kept + 1
      else
        return c
      end
    end
    start = start + kept
  end
end

-- best is the oldest (lowest seq) candidate across queues.
local function best(keys, self_id, user, now)
  local b = nil
  for _, k in ipairs(keys) do
    local c = head(k, self_id, user, now)
    if c and (b == nil or c.seq < b.seq) then b = c end
  end
  return b
end

-- find_partner: always of t's mode; an exact match first (same difficulty
-- and topic, compatible language), FIFO; otherwise, when t itself may
-- relax, any difficulty of the topic; otherwise a relaxed ticket of the topic.
local function find_partner(t, now, relaxed)
  local c = best(compat_queues(t.mode, t.difficulty, t.topic, t.language), t.id, t.user, now)
  if c then return c end
  local keys = {}
  if relaxed then
    for _, d in ipairs(DIFFS) do
      if d ~= t.difficulty then
        for _, k in ipairs(compat_queues(t.mode, d, t.topic, t.language)) do keys[#keys + 1] = k end
      end
    end
  else
    keys = compat_queues(t.mode, nil, t.topic, t.language)
  end
  return best(keys, t.id, t.user, now)
end

-- new_match_id makes a unique id shaped like a v4 UUID from the epoch and a
-- counter (scripts have no randomness of their own).
local function new_match_id(now)
  local n = redis.call('INCR', K .. 'mseq')
  local h = redis.sha1hex(K .. epoch(now) .. ':' .. n)
  local v = tonumber(string.sub(h, 17, 17), 16) % 4
  return string.sub(h, 1, 8) .. '-' .. string.sub(h, 9, 12) .. '-4' .. string.sub(h, 14, 16) .. '-' ..
         string.sub('89ab', v + 1, v + 1) .. string.sub(h, 18, 20) .. '-' .. string.sub(h, 21, 32)
end

-- pair takes a and b out of every queue for good and hands the pairing to
-- the setup workers. The question is of the longer-waiting ticket's
-- difficulty; a and b are of one mode (they met in its queues), and each
-- one's wish to start as the interviewer goes with the pairing.
local function pair(a, b, now)
  unindex(a)
  unindex(b)
  local mid = new_match_id(now)
  local older, newer = a, b
  if b.seq < a.seq then older, newer = b, a end
  local lang = a.language
  if lang == '' then lang = b.language end
  for _, x in ipairs({a, b}) do
    redis.call('HSET', tkey(x.id), 'status', 'pairing', 'match_id', mid)
    redis.call('HINCRBY', tkey(x.id), 'ver', 1)
  end
  redis.call('HSET', K .. 'm:' .. mid, 'id', mid, 'ticket_a', older.id, 'ticket_b', newer.id,
    'user_a', older.user, 'user_b', newer.user, 'topic', older.topic, 'difficulty', older.difficulty,
    'language', lang, 'created_at', now, 'status', 'pending', 'at_seq', redis.call('GET', K .. 'seq') or '0',
    'queued_a', older.queued_at or '0', 'queued_b', newer.queued_at or '0',
    'mode', older.mode, 'interviewer_a', older.interviewer and '1' or '0', 'interviewer_b', newer.interviewer and '1' or '0')
  redis.call('XADD', K .. 'jobs', '*', 'match', mid)
  return mid
end

-- place pairs the new ticket me (its hash already written as fields) with
-- the best partner, or else queues it: indexed, due to relax and to time
-- out, announced. Returns {'paired'|'queued', ticket}.
local function place(me, fields, now, relax, timeout)
  local p = find_partner(me, now, me.relaxed)
  if p then
    pair(me, p, now)
    return {'paired', redis.call('HGETALL', tkey(me.id))}
  end
  index(me, me.relaxed)
  if not me.relaxed then
    redis.call('ZADD', K .. 'relax', now + relax, me.id)
  end
  redis.call('ZADD', K .. 'expire', now + timeout, me.id)
  emit_fields(fields)
  return {'queued', fields}
end
