// Package redisroom is chat-service's Redis side: each room's ordered
// message stream with the atomic append (idempotency, rate limit, id,
// persistence queue and publish in one Lua step), the pub/sub fan-out
// between replicas, presence counted across replicas, and the consumer
// group that persists messages to PostgreSQL.
//
// Keys (all under the configured prefix, then "chat:"):
//
//	room:<id>:log       stream   the room's messages; entry id = message id
//	room:<id>:clients   hash     client_id → message id (idempotency)
//	room:<id>:presence  hash     "<replica>|<user>" → open sockets
//	room:<id>           channel  pub/sub fan-out of messages and presence
//	rate:<user>         hash     token bucket of the user's sends
//	persist             stream   messages waiting for PostgreSQL; group "persisters"
//	replicas            zset     replica id → heartbeat expiry (ms)
//	replica:<id>:rooms  set      rooms where the replica holds presence
//
// Scripts touch keys they derive from their arguments (the presence reaper),
// so Redis must not run in cluster mode (ElastiCache: cluster mode disabled).
package redisroom

// Keys names chat-service's Redis keys under a prefix.
type Keys struct{ p string }

// NewKeys returns the key names under prefix (REDIS_KEY_PREFIX).
func NewKeys(prefix string) Keys { return Keys{p: prefix + "chat:"} }

// Stream is the room's message stream.
func (k Keys) Stream(room string) string { return k.p + "room:" + room + ":log" }

// ClientIDs maps the room's client ids to message ids.
func (k Keys) ClientIDs(room string) string { return k.p + "room:" + room + ":clients" }

// Presence counts the room's open sockets per replica and user.
func (k Keys) Presence(room string) string { return k.p + "room:" + room + ":presence" }

// Channel is the room's pub/sub channel.
func (k Keys) Channel(room string) string { return k.p + "room:" + room }

// Rate is the user's send token bucket.
func (k Keys) Rate(user string) string { return k.p + "rate:" + user }

// Persist is the stream of messages waiting to be stored in PostgreSQL.
func (k Keys) Persist() string { return k.p + "persist" }

// Replicas holds each live replica's heartbeat expiry.
func (k Keys) Replicas() string { return k.p + "replicas" }

// ReplicaRooms lists the rooms where replica holds presence.
func (k Keys) ReplicaRooms(replica string) string { return k.p + "replica:" + replica + ":rooms" }

// base is the prefix scripts build room keys from.
func (k Keys) base() string { return k.p }

// roomOfChannel returns the room of a channel name, or "".
func (k Keys) roomOfChannel(ch string) string {
	pre := k.p + "room:"
	if len(ch) <= len(pre) || ch[:len(pre)] != pre {
		return ""
	}
	return ch[len(pre):]
}

// PersistGroup is the consumer group of the persistence workers.
const PersistGroup = "persisters"
