// Package postgres keeps chat-service's messages in PostgreSQL: the
// durable copy that history is read from.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

// Store implements chat.Store and the persistence sink.
type Store struct{ db *pgxpool.Pool }

// New returns a Store on db.
func New(db *pgxpool.Pool) *Store { return &Store{db: db} }

const columns = `room_id, id_ms, id_seq, client_id, user_id, username, text, sent_at`

func scan(rows pgx.Rows) ([]chat.Message, error) {
	defer rows.Close()
	var out []chat.Message
	for rows.Next() {
		var (
			m       chat.Message
			ms, seq int64
		)
		if err := rows.Scan(&m.RoomID, &ms, &seq, &m.ClientID, &m.UserID, &m.Username, &m.Text, &m.SentAt); err != nil {
			return nil, err
		}
		m.ID = chat.ID{Ms: uint64(ms), Seq: uint64(seq)}
		m.SentAt = m.SentAt.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// Insert stores messages, skipping any already stored (same id, or same
// client id in the room): persisting is retried and may repeat.
func (s *Store) Insert(ctx context.Context, msgs []chat.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	n := len(msgs)
	var (
		rooms, clients, users = make([]string, n), make([]string, n), make([]string, n)
		names, texts          = make([]string, n), make([]string, n)
		mss, seqs             = make([]int64, n), make([]int64, n)
		sent                  = make([]time.Time, n)
	)
	for i, m := range msgs {
		if m.ID.Ms > math.MaxInt64 || m.ID.Seq > math.MaxInt64 {
			return fmt.Errorf("message id %s out of range", m.ID)
		}
		rooms[i], clients[i], users[i] = m.RoomID, m.ClientID, m.UserID
		names[i], texts[i] = m.Username, m.Text
		mss[i], seqs[i], sent[i] = int64(m.ID.Ms), int64(m.ID.Seq), m.SentAt
	}
	_, err := s.db.Exec(ctx, `INSERT INTO messages (`+columns+`)
		SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::timestamptz[])
		ON CONFLICT DO NOTHING`, rooms, mss, seqs, clients, users, names, texts, sent)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23")) {
		return fmt.Errorf("%w: %w", chat.ErrRejected, err)
	}
	return err
}

// Page implements chat.Store.
func (s *Store) Page(ctx context.Context, room string, before *chat.ID, limit int) ([]chat.Message, error) {
	// Ids beyond int64 (never produced) compare as the largest there is.
	ms, seq := int64(math.MaxInt64), int64(math.MaxInt64)
	if before != nil && before.Ms <= math.MaxInt64 {
		ms, seq = int64(before.Ms), int64(min(before.Seq, math.MaxInt64))
	}
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM messages
		WHERE room_id = $1 AND (id_ms, id_seq) < ($2, $3)
		ORDER BY id_ms DESC, id_seq DESC LIMIT $4`, room, ms, seq, limit)
	if err != nil {
		return nil, err
	}
	return scan(rows)
}

// ByClientID implements chat.Store.
func (s *Store) ByClientID(ctx context.Context, room, clientID string) (chat.Message, error) {
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM messages WHERE room_id = $1 AND client_id = $2`, room, clientID)
	if err != nil {
		return chat.Message{}, err
	}
	msgs, err := scan(rows)
	if err != nil {
		return chat.Message{}, err
	}
	if len(msgs) == 0 {
		return chat.Message{}, chat.ErrNotFound
	}
	return msgs[0], nil
}

// Latest implements chat.Store.
func (s *Store) Latest(ctx context.Context, room string) (chat.ID, error) {
	var ms, seq int64
	err := s.db.QueryRow(ctx, `SELECT id_ms, id_seq FROM messages WHERE room_id = $1
		ORDER BY id_ms DESC, id_seq DESC LIMIT 1`, room).Scan(&ms, &seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return chat.ID{}, nil
	}
	if err != nil {
		return chat.ID{}, err
	}
	return chat.ID{Ms: uint64(ms), Seq: uint64(seq)}, nil
}
