// Package postgres keeps user-service's accounts and refresh tokens in
// PostgreSQL.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/peerprep/peerprep/libs/postgres"
	"github.com/peerprep/peerprep/services/user/internal/user"
)

// Store implements user.Store.
type Store struct{ db *pgxpool.Pool }

// New returns a Store on db.
func New(db *pgxpool.Pool) *Store { return &Store{db: db} }

const userColumns = `id, username, email, display_name, bio, preferred_language, role, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner, extra ...any) (user.User, error) {
	var u user.User
	dest := append([]any{&u.ID, &u.Username, &u.Email, &u.DisplayName, &u.Bio, &u.PreferredLanguage, &u.Role, &u.CreatedAt, &u.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return user.User{}, user.ErrNotFound
		}
		return user.User{}, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

func uniqueErr(err error) error {
	switch {
	case postgres.IsUniqueViolation(err, "users_username_key"):
		return user.ErrUsernameTaken
	case postgres.IsUniqueViolation(err, "users_email_key"):
		return user.ErrEmailTaken
	}
	return err
}

// CreateUser inserts the account and its first refresh token together.
func (s *Store) CreateUser(ctx context.Context, u user.User, hash string, first user.RefreshToken) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (id, username, email, password_hash, role, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`, u.ID, u.Username, u.Email, hash, u.Role, u.CreatedAt)
		if err != nil {
			return uniqueErr(err)
		}
		_, err = tx.Exec(ctx, insertTokenSQL, first.ID, first.FamilyID, first.UserID, first.Hash, first.CreatedAt, first.ExpiresAt)
		return err
	})
}

const insertTokenSQL = `INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at)
	VALUES ($1, $2, $3, $4, $5, $6)`

// UserByID implements user.Store.
func (s *Store) UserByID(ctx context.Context, id string) (user.User, error) {
	return scanUser(s.db.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// UserByLogin implements user.Store.
func (s *Store) UserByLogin(ctx context.Context, identifier string) (user.User, string, error) {
	var hash string
	q := `SELECT ` + userColumns + `, password_hash FROM users WHERE username = $1`
	if strings.Contains(identifier, "@") {
		q = `SELECT ` + userColumns + `, password_hash FROM users WHERE lower(email) = $1`
	}
	u, err := scanUser(s.db.QueryRow(ctx, q, identifier), &hash)
	return u, hash, err
}

// PasswordHash implements user.Store.
func (s *Store) PasswordHash(ctx context.Context, id string) (string, error) {
	var h string
	err := s.db.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&h)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", user.ErrNotFound
	}
	return h, err
}

// UpdateProfile implements user.Store.
func (s *Store) UpdateProfile(ctx context.Context, id string, upd user.ProfileUpdate, now time.Time) (user.User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `UPDATE users SET
			username = COALESCE($2, username),
			display_name = COALESCE($3, display_name),
			bio = COALESCE($4, bio),
			preferred_language = COALESCE($5, preferred_language),
			updated_at = $6
		WHERE id = $1 RETURNING `+userColumns, id, upd.Username, upd.DisplayName, upd.Bio, upd.PreferredLanguage, now))
	return u, uniqueErr(err)
}

// SetPassword implements user.Store.
func (s *Store) SetPassword(ctx context.Context, id, hash, keep string, now time.Time) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`, id, hash, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return user.ErrNotFound
		}
		_, err = tx.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $2
			WHERE user_id = $1 AND revoked_at IS NULL AND ($3 = '' OR family_id::text <> $3)`, id, now, keep)
		return err
	})
}

// DeleteUser implements user.Store; refresh tokens go with the account.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return user.ErrNotFound
	}
	return nil
}

// likeEscaper makes a search term literal inside LIKE.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ListUsers implements user.Store.
func (s *Store) ListUsers(ctx context.Context, query string, offset, limit int) ([]user.User, int, error) {
	pattern := "%" + likeEscaper.Replace(strings.ToLower(query)) + "%"
	rows, err := s.db.Query(ctx, `SELECT `+userColumns+`, count(*) OVER () FROM users
		WHERE $1 = '%%' OR username LIKE $1 OR lower(email) LIKE $1
		ORDER BY created_at, id OFFSET $2 LIMIT $3`, pattern, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var (
		out   []user.User
		total int
	)
	for rows.Next() {
		u, err := scanUser(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(out) == 0 && offset > 0 {
		// The page is past the end; count separately so total stays right.
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM users WHERE $1 = '%%' OR username LIKE $1 OR lower(email) LIKE $1`, pattern).Scan(&total); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// SetRole implements user.Store.
func (s *Store) SetRole(ctx context.Context, id, role string, now time.Time) (user.User, error) {
	return scanUser(s.db.QueryRow(ctx, `UPDATE users SET role = $2, updated_at = $3 WHERE id = $1 RETURNING `+userColumns, id, role, now))
}

// CreateRefreshToken implements user.Store.
func (s *Store) CreateRefreshToken(ctx context.Context, t user.RefreshToken) error {
	_, err := s.db.Exec(ctx, insertTokenSQL, t.ID, t.FamilyID, t.UserID, t.Hash, t.CreatedAt, t.ExpiresAt)
	return err
}

// UpdateRefreshToken implements user.Store. The row lock serialises two
// concurrent uses of one token: the second sees it spent, which is what
// reuse detection asks for.
func (s *Store) UpdateRefreshToken(ctx context.Context, hash []byte, fn func(*user.RefreshToken) (*user.RefreshToken, error)) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var t user.RefreshToken
		err := tx.QueryRow(ctx, `SELECT id, family_id, user_id, token_hash, created_at, expires_at, used_at, revoked_at
			FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`, hash).
			Scan(&t.ID, &t.FamilyID, &t.UserID, &t.Hash, &t.CreatedAt, &t.ExpiresAt, &t.UsedAt, &t.RevokedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return user.ErrRefreshInvalid
		}
		if err != nil {
			return err
		}
		wasUsed, wasRevoked := t.UsedAt != nil, t.RevokedAt != nil
		next, err := fn(&t)
		if err != nil {
			return err
		}
		if t.RevokedAt != nil && !wasRevoked {
			if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`, t.FamilyID, *t.RevokedAt); err != nil {
				return err
			}
		}
		if t.UsedAt != nil && !wasUsed {
			if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET used_at = $2 WHERE id = $1`, t.ID, *t.UsedAt); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		_, err = tx.Exec(ctx, insertTokenSQL, next.ID, next.FamilyID, next.UserID, next.Hash, next.CreatedAt, next.ExpiresAt)
		return err
	})
}

// RevokeFamily implements user.Store.
func (s *Store) RevokeFamily(ctx context.Context, hash []byte, now time.Time) (userID, familyID string, err error) {
	rows, err := s.db.Query(ctx, `UPDATE refresh_tokens SET revoked_at = $2
		WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) AND revoked_at IS NULL
		RETURNING user_id::text, family_id::text`, hash, now)
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&userID, &familyID); err != nil {
			return "", "", err
		}
	}
	return userID, familyID, rows.Err()
}

// LocalSigningKey returns the key every local replica shares, storing
// candidate when there is none yet (first replica wins). Two statements,
// not one: when replicas start together, the losers' INSERT waits for the
// winner's commit and does nothing, and only a statement begun after that
// commit can see the winner's row.
func (s *Store) LocalSigningKey(ctx context.Context, candidate string) (string, error) {
	if _, err := s.db.Exec(ctx, `INSERT INTO local_signing_key (id, private_pem) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, candidate); err != nil {
		return "", fmt.Errorf("local signing key: %w", err)
	}
	var pem string
	if err := s.db.QueryRow(ctx, `SELECT private_pem FROM local_signing_key WHERE id = 1`).Scan(&pem); err != nil {
		return "", fmt.Errorf("local signing key: %w", err)
	}
	return pem, nil
}
