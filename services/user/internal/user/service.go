package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/validation"
)

// Store keeps accounts and refresh tokens.
type Store interface {
	CreateUser(ctx context.Context, u User, passwordHash string, first RefreshToken) error // ErrUsernameTaken, ErrEmailTaken
	UserByID(ctx context.Context, id string) (User, error)
	// UserByLogin finds an account by lower-case email or username.
	UserByLogin(ctx context.Context, identifier string) (User, string, error)
	PasswordHash(ctx context.Context, id string) (string, error)
	UpdateProfile(ctx context.Context, id string, upd ProfileUpdate, now time.Time) (User, error)
	// SetPassword stores hash and revokes every refresh family except keep.
	SetPassword(ctx context.Context, id, hash, keep string, now time.Time) error
	DeleteUser(ctx context.Context, id string) error
	ListUsers(ctx context.Context, query string, offset, limit int) ([]User, int, error)
	SetRole(ctx context.Context, id, role string, now time.Time) (User, error)

	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// UpdateRefreshToken locks the token with hash (ErrRefreshInvalid when
	// unknown), lets fn change it and writes the result in one transaction:
	// its used time, its revocation (which revokes its whole family) and
	// the successor fn returns, if any. An error from fn writes nothing.
	UpdateRefreshToken(ctx context.Context, hash []byte, fn func(*RefreshToken) (*RefreshToken, error)) error
	// RevokeFamily revokes the family of the token with hash and names it;
	// both are empty when it was unknown or already revoked.
	RevokeFamily(ctx context.Context, hash []byte, now time.Time) (userID, familyID string, err error)
}

// Hasher hashes passwords.
type Hasher interface {
	Hash(ctx context.Context, pw string) (string, error)
	Verify(ctx context.Context, pw, encoded string) (bool, error)
	VerifyDummy(ctx context.Context, pw string)
}

// Limiter keeps the attempt budgets shared by every replica. Each Reserve
// counts one attempt before the password hash runs and returns a positive
// wait, counting nothing, when a budget is spent.
type Limiter interface {
	// ReserveLogin spends one login attempt of account ("id:<uuid>", or
	// "name:<identifier>" when no account has that name) and of ip.
	ReserveLogin(ctx context.Context, account, ip string) (time.Duration, error)
	LoginSucceeded(ctx context.Context, account, ip string) error
	ReserveSignup(ctx context.Context, ip string) (time.Duration, error)
	ReservePasswordCheck(ctx context.Context, userID string) (time.Duration, error)
	PasswordCheckSucceeded(ctx context.Context, userID string) error
}

// unlimited is the Limiter of a Service built without one (the promote
// command, which never signs anyone in).
type unlimited struct{}

func (unlimited) ReserveLogin(context.Context, string, string) (time.Duration, error) { return 0, nil }
func (unlimited) LoginSucceeded(context.Context, string, string) error                { return nil }
func (unlimited) ReserveSignup(context.Context, string) (time.Duration, error)        { return 0, nil }
func (unlimited) ReservePasswordCheck(context.Context, string) (time.Duration, error) { return 0, nil }
func (unlimited) PasswordCheckSucceeded(context.Context, string) error                { return nil }

// Revoker announces to every service that access tokens were revoked.
type Revoker interface {
	Revoke(ctx context.Context, r revocation.Revocation) error
}

// Issuer signs access tokens.
type Issuer interface {
	Sign(userID, role, sid string) (string, time.Time, error)
}

// Service carries out what user-service decides.
type Service struct {
	store      Store
	hasher     Hasher
	limiter    Limiter
	revoker    Revoker
	issuer     Issuer
	log        *slog.Logger
	refreshTTL time.Duration
	now        func() time.Time
}

// Deps are the Service's collaborators.
type Deps struct {
	Store      Store
	Hasher     Hasher
	Limiter    Limiter
	Revoker    Revoker // nil: access tokens live until they expire
	Issuer     Issuer
	Log        *slog.Logger
	RefreshTTL time.Duration // default 30 days
	Now        func() time.Time
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	s := &Service{store: d.Store, hasher: d.Hasher, limiter: d.Limiter, revoker: d.Revoker, issuer: d.Issuer, log: d.Log,
		refreshTTL: d.RefreshTTL, now: d.Now}
	if s.limiter == nil {
		s.limiter = unlimited{}
	}
	if s.refreshTTL <= 0 {
		s.refreshTTL = 30 * 24 * time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// HashToken is how a refresh token is stored: SHA-256 suffices for 256-bit
// random tokens (no dictionary to defend against).
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func (s *Service) newRefresh(userID, family string) (RefreshToken, string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now().UTC()
	return RefreshToken{ID: uuid.NewString(), FamilyID: family, UserID: userID, Hash: HashToken(tok),
		CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL)}, tok
}

func (s *Service) session(u User, rt RefreshToken, raw string) (Session, error) {
	at, exp, err := s.issuer.Sign(u.ID, u.Role, rt.FamilyID)
	if err != nil {
		return Session{}, err
	}
	return Session{User: u, AccessToken: at, AccessExpiresAt: exp, RefreshToken: raw, RefreshExpiresAt: rt.ExpiresAt}, nil
}

// Signup creates an account and signs it in. ip is the client address,
// whose signups are limited.
func (s *Service) Signup(ctx context.Context, in SignupInput, ip string) (Session, error) {
	in.Email = NormalizeEmail(in.Email)
	if err := in.Validate(); err != nil {
		return Session{}, err
	}
	if err := s.reserve(ctx, "signup", func(ctx context.Context) (time.Duration, error) { return s.limiter.ReserveSignup(ctx, ip) }); err != nil {
		return Session{}, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return Session{}, fmt.Errorf("hash password: %w", err)
	}
	now := s.now().UTC()
	u := User{ID: uuid.NewString(), Username: in.Username, Email: in.Email, Role: RoleUser, CreatedAt: now, UpdatedAt: now}
	rt, raw := s.newRefresh(u.ID, uuid.NewString())
	if err := s.store.CreateUser(ctx, u, hash, rt); err != nil {
		return Session{}, err
	}
	return s.session(u, rt, raw)
}

// Login signs in by email or username. Unknown accounts and wrong passwords
// take the same time and give the same error.
func (s *Service) Login(ctx context.Context, identifier, password, ip string) (Session, error) {
	id := strings.ToLower(strings.TrimSpace(identifier))
	if id == "" || password == "" || len(id) > 254 || len(password) > 128 {
		var v validation.Error
		if id == "" || len(id) > 254 {
			v.Add("identifier", "must be an email or username")
		}
		if password == "" || len(password) > 128 {
			v.Add("password", "must be 1–128 bytes")
		}
		return Session{}, v.OrNil()
	}
	// The account is looked up first so its budget is one, whichever of its
	// names was typed; unknown names get a budget of their own, so probing
	// them is limited too.
	u, hash, err := s.store.UserByLogin(ctx, id)
	account := "name:" + id
	switch {
	case err == nil:
		account = "id:" + u.ID
	case !errors.Is(err, ErrNotFound):
		return Session{}, err
	}
	if err := s.reserve(ctx, "login", func(ctx context.Context) (time.Duration, error) { return s.limiter.ReserveLogin(ctx, account, ip) }); err != nil {
		return Session{}, err
	}
	if hash == "" {
		s.hasher.VerifyDummy(ctx, password)
		return Session{}, ErrInvalidCredentials
	}
	ok, err := s.hasher.Verify(ctx, password, hash)
	if err != nil {
		return Session{}, fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		return Session{}, ErrInvalidCredentials
	}
	if err := s.limiter.LoginSucceeded(ctx, account, ip); err != nil {
		s.log.WarnContext(ctx, "rate limiter unavailable", "action", "login", "error", err.Error())
	}
	rt, raw := s.newRefresh(u.ID, uuid.NewString())
	if err := s.store.CreateRefreshToken(ctx, rt); err != nil {
		return Session{}, err
	}
	return s.session(u, rt, raw)
}

// reserve spends one attempt of a budget. When Redis is unreachable the
// attempt goes ahead (availability over limiting: argon2id still makes each
// guess slow, and the hasher's concurrency is bounded) and the log says so.
func (s *Service) reserve(ctx context.Context, action string, spend func(context.Context) (time.Duration, error)) error {
	wait, err := spend(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "rate limiter unavailable", "action", action, "error", err.Error())
		return nil
	}
	if wait > 0 {
		return &RateLimitedError{RetryAfter: wait}
	}
	return nil
}

// Refresh exchanges a refresh token for a new pair (rotation).
func (s *Service) Refresh(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 256 {
		return Session{}, ErrRefreshInvalid
	}
	next, raw := s.newRefresh("", "")
	var (
		used   RefreshToken
		reused bool
	)
	err := s.store.UpdateRefreshToken(ctx, HashToken(token), func(t *RefreshToken) (*RefreshToken, error) {
		successor, r, err := t.Rotate(next, s.now().UTC())
		used, reused = *t, r
		return successor, err
	})
	if err != nil {
		return Session{}, err
	}
	if reused {
		// Someone holds a copy of the family: its access tokens die too.
		s.log.WarnContext(ctx, "refresh token reuse: family revoked", "user_id", used.UserID)
		s.revoke(ctx, revocation.Revocation{UserID: used.UserID, SessionID: used.FamilyID})
		return Session{}, &RefreshReusedError{UserID: used.UserID, FamilyID: used.FamilyID}
	}
	userID, family := used.UserID, used.FamilyID
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Session{}, ErrRefreshInvalid
		}
		return Session{}, err
	}
	// The access token names the session it was refreshed in, so a password
	// change made with it keeps this session (and only this one).
	next.UserID, next.FamilyID = userID, family
	return s.session(u, next, raw)
}

// Logout revokes the family of token and its access tokens. Unknown
// tokens are ignored.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" || len(token) > 256 {
		return nil
	}
	userID, family, err := s.store.RevokeFamily(ctx, HashToken(token), s.now().UTC())
	if err != nil || userID == "" {
		return err
	}
	s.revoke(ctx, revocation.Revocation{UserID: userID, SessionID: family})
	return nil
}

// revoke announces r. The change it follows is already made, so a failure
// (Redis unreachable) is logged, not returned: the access tokens then live
// until they expire (15 minutes), as before revocations existed.
func (s *Service) revoke(ctx context.Context, r revocation.Revocation) {
	if s.revoker == nil {
		return
	}
	r.At = s.now().UTC()
	if err := s.revoker.Revoke(ctx, r); err != nil {
		s.log.ErrorContext(ctx, "revocation not published; the user's access tokens live until they expire",
			"user_id", r.UserID, "deleted", r.Deleted, "error", err.Error())
	}
}

// Get returns an account.
func (s *Service) Get(ctx context.Context, id string) (User, error) {
	if uuid.Validate(id) != nil {
		return User{}, ErrNotFound
	}
	return s.store.UserByID(ctx, id)
}

// UpdateProfile changes the caller's own profile.
func (s *Service) UpdateProfile(ctx context.Context, id string, upd ProfileUpdate) (User, error) {
	if err := upd.Validate(); err != nil {
		return User{}, err
	}
	return s.store.UpdateProfile(ctx, id, upd, s.now().UTC())
}

// ChangePassword checks the current password, stores the new one and signs
// out every other session (keeping sid, the caller's).
func (s *Service) ChangePassword(ctx context.Context, id, sid, current, next string) error {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	var v validation.Error
	if current == "" {
		v.Add("current_password", "is required")
	}
	local, _, _ := strings.Cut(u.Email, "@")
	checkPassword(&v, "new_password", next, u.Username, local)
	if err := v.OrNil(); err != nil {
		return err
	}
	hash, err := s.store.PasswordHash(ctx, id)
	if err != nil {
		return err
	}
	if err := s.reserve(ctx, "password", func(ctx context.Context) (time.Duration, error) { return s.limiter.ReservePasswordCheck(ctx, id) }); err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, current, hash)
	if err != nil {
		return fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		return ErrWrongPassword
	}
	if err := s.limiter.PasswordCheckSucceeded(ctx, id); err != nil {
		s.log.WarnContext(ctx, "rate limiter unavailable", "action", "password", "error", err.Error())
	}
	newHash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	if err := s.store.SetPassword(ctx, id, newHash, sid, s.now().UTC()); err != nil {
		return err
	}
	s.revoke(ctx, revocation.Revocation{UserID: id, KeepSessionID: sid})
	return nil
}

// Delete removes the caller's account and every session of it, and
// revokes its access tokens everywhere.
func (s *Service) Delete(ctx context.Context, id string) error {
	if err := s.store.DeleteUser(ctx, id); err != nil {
		return err
	}
	s.revoke(ctx, revocation.Revocation{UserID: id, Deleted: true})
	return nil
}

// List is the admin search over usernames and emails.
func (s *Service) List(ctx context.Context, query string, page, limit int) ([]User, int, error) {
	return s.store.ListUsers(ctx, strings.TrimSpace(query), (page-1)*limit, limit)
}

// SetRole changes an account's role (admin only; enforced by httpapi).
func (s *Service) SetRole(ctx context.Context, id, role string) (User, error) {
	if role != RoleUser && role != RoleAdmin {
		return User{}, validation.Field("role", "must be one of: user, admin")
	}
	if uuid.Validate(id) != nil {
		return User{}, ErrNotFound
	}
	u, err := s.store.SetRole(ctx, id, role, s.now().UTC())
	if err != nil {
		return User{}, err
	}
	// Tokens carry the role: the old ones are refused, and the user's next
	// refresh gets the new role (a demoted admin is not one for 15 more minutes).
	s.revoke(ctx, revocation.Revocation{UserID: id})
	return u, nil
}

// Promote makes the account with this username or email an admin (the
// `promote` subcommand, run by an operator). It is the only way to the
// first admin: emails are not verified, so no address may earn the role
// by being registered.
func (s *Service) Promote(ctx context.Context, identifier string) (User, error) {
	u, _, err := s.store.UserByLogin(ctx, strings.ToLower(strings.TrimSpace(identifier)))
	if err != nil {
		return User{}, err
	}
	return s.store.SetRole(ctx, u.ID, RoleAdmin, s.now().UTC())
}
