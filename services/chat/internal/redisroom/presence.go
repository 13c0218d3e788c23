package redisroom

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Presence counts each user's open sockets per room across replicas. Every
// replica writes the absolute count of its own sockets per (room, user) —
// so a write can be repeated after a failure — and heartbeats its entry in
// the replicas set; counts of a replica whose heartbeat lapsed do not count,
// and the first replica to notice reaps them and announces who left.
type Presence struct {
	rdb     redis.UniversalClient
	keys    Keys
	replica string
	ttl     time.Duration
}

// NewPresence returns the presence of replica (unique per process); a
// replica counts until ttl after its last heartbeat.
func NewPresence(rdb redis.UniversalClient, keys Keys, replica string, ttl time.Duration) *Presence {
	return &Presence{rdb: rdb, keys: keys, replica: replica, ttl: ttl}
}

// Replica is this process's replica id.
func (p *Presence) Replica() string { return p.replica }

// presentLua defines present(hash, replicasKey, now): the users with an
// open socket on a live replica, as a set.
const presentLua = `
local live = {}
local function alive(replicas, rep, now)
  local v = live[rep]
  if v == nil then
    local exp = redis.call('ZSCORE', replicas, rep)
    v = (exp and tonumber(exp) > now) or false
    live[rep] = v
  end
  return v
end
local function present(hash, replicas, now)
  local set = {}
  local f = redis.call('HGETALL', hash)
  for i = 1, #f, 2 do
    local sep = string.find(f[i], '|', 1, true)
    if sep and tonumber(f[i + 1]) > 0 and alive(replicas, string.sub(f[i], 1, sep - 1), now) then
      set[string.sub(f[i], sep + 1)] = true
    end
  end
  return set
end
local function nowms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`

// setScript sets this replica's socket count for a user in a room,
// publishes "joined"/"left" when the user's presence across live replicas
// changed, and returns the users present afterwards.
var setScript = redis.NewScript(presentLua + `
local now = nowms()
local user, field = ARGV[2], ARGV[1] .. '|' .. ARGV[2]
local before = present(KEYS[1], KEYS[2], now)[user] == true
local n = tonumber(ARGV[3])
if n > 0 then
  redis.call('HSET', KEYS[1], field, n)
  redis.call('SADD', KEYS[3], ARGV[5])
else
  redis.call('HDEL', KEYS[1], field)
  local mine = false
  local f = redis.call('HKEYS', KEYS[1])
  for i = 1, #f do
    if string.sub(f[i], 1, #ARGV[1] + 1) == ARGV[1] .. '|' then mine = true break end
  end
  if not mine then redis.call('SREM', KEYS[3], ARGV[5]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
local set = present(KEYS[1], KEYS[2], now)
local after = set[user] == true
if before ~= after then
  local state = 'left'
  if after then state = 'joined' end
  redis.call('PUBLISH', ARGV[4], cjson.encode({k = 'p', u = user, s = state}))
end
local out = {}
for u in pairs(set) do out[#out + 1] = u end
return out
`)

// Set records that this replica has count sockets of user in room and
// returns the users present in the room afterwards.
func (p *Presence) Set(ctx context.Context, room, user string, count int) ([]string, error) {
	keys := []string{p.keys.Presence(room), p.keys.Replicas(), p.keys.ReplicaRooms(p.replica)}
	return setScript.Run(ctx, p.rdb, keys, p.replica, user, count, p.keys.Channel(room), room,
		(24 * time.Hour).Milliseconds()).StringSlice()
}

// heartbeatScript extends this replica's life and reports whether it had
// lapsed (or Redis forgot it), in which case its counts must be rewritten.
var heartbeatScript = redis.NewScript(presentLua + `
local now = nowms()
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) * 20)
if old and tonumber(old) > now then return 0 end
return 1
`)

// Heartbeat keeps this replica's counts alive for another ttl. lapsed
// reports that they had stopped counting (or were lost): the caller should
// write every count again.
func (p *Presence) Heartbeat(ctx context.Context) (lapsed bool, err error) {
	n, err := heartbeatScript.Run(ctx, p.rdb, []string{p.keys.Replicas(), p.keys.ReplicaRooms(p.replica)},
		p.replica, p.ttl.Milliseconds()).Int()
	return n == 1, err
}

// reapScript removes the counts of lapsed replicas (or of ARGV[2] when
// given: a replica leaving) and announces users no longer present.
var reapScript = redis.NewScript(presentLua + `
local now = nowms()
local base = ARGV[1]
local dead
if ARGV[2] ~= '' then
  dead = {ARGV[2]}
else
  dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 20)
end
local reaped = 0
for _, rep in ipairs(dead) do
  redis.call('ZREM', KEYS[1], rep)
  local roomsKey = base .. 'replica:' .. rep .. ':rooms'
  for _, room in ipairs(redis.call('SMEMBERS', roomsKey)) do
    local hash = base .. 'room:' .. room .. ':presence'
    local f = redis.call('HGETALL', hash)
    local gone = {}
    for i = 1, #f, 2 do
      local sep = string.find(f[i], '|', 1, true)
      if sep and string.sub(f[i], 1, sep - 1) == rep then
        redis.call('HDEL', hash, f[i])
        gone[string.sub(f[i], sep + 1)] = true
      end
    end
    local set = present(hash, KEYS[1], now)
    for u in pairs(gone) do
      if not set[u] then
        redis.call('PUBLISH', base .. 'room:' .. room, cjson.encode({k = 'p', u = u, s = 'left'}))
      end
    end
  end
  redis.call('DEL', roomsKey)
  reaped = reaped + 1
end
return reaped
`)

// Reap removes the counts of replicas whose heartbeat lapsed, announcing
// who left, and returns how many replicas it reaped.
func (p *Presence) Reap(ctx context.Context) (int, error) {
	return reapScript.Run(ctx, p.rdb, []string{p.keys.Replicas()}, p.keys.base(), "").Int()
}

// Leave removes this replica's counts at shutdown, announcing who left.
func (p *Presence) Leave(ctx context.Context) error {
	return reapScript.Run(ctx, p.rdb, []string{p.keys.Replicas()}, p.keys.base(), p.replica).Err()
}
