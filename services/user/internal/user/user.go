// Package user is the domain of user-service: accounts, credentials and
// sessions (refresh-token families), and the rules that govern them.
package user

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/validation"
)

// Roles.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Languages a user may prefer (the languages the editor offers).
var Languages = internalapi.Languages

// User is an account.
type User struct {
	ID                string
	Username          string
	Email             string
	DisplayName       string
	Bio               string
	PreferredLanguage string
	Role              string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Session is what a successful signup, login or refresh hands out.
type Session struct {
	User             User
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
}

// RefreshToken is a stored refresh token; only its hash is kept.
type RefreshToken struct {
	ID        string
	FamilyID  string
	UserID    string
	Hash      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time // spent: rotated into a successor
	RevokedAt *time.Time // revoked, with its whole family
}

// Rotate decides what presenting t at now does; the store writes the
// outcome in the transaction that holds t locked, so two uses of one token
// are decided one after the other.
//   - A live token is spent, and next joins its family (returned).
//   - A token spent before means someone holds a copy: t is revoked (the
//     store revokes its whole family), reused is true and no token is issued.
//   - A revoked or expired token is ErrRefreshInvalid and changes nothing.
func (t *RefreshToken) Rotate(next RefreshToken, now time.Time) (successor *RefreshToken, reused bool, err error) {
	switch {
	case t.RevokedAt != nil:
		return nil, false, ErrRefreshInvalid
	case t.UsedAt != nil:
		t.RevokedAt = &now
		return nil, true, nil
	case !now.Before(t.ExpiresAt):
		return nil, false, ErrRefreshInvalid
	}
	t.UsedAt = &now
	next.FamilyID, next.UserID = t.FamilyID, t.UserID
	return &next, false, nil
}

// ProfileUpdate holds the fields PATCH /users/me may change; nil means
// unchanged.
type ProfileUpdate struct {
	Username          *string
	DisplayName       *string
	Bio               *string
	PreferredLanguage *string
}

// Domain errors. httpapi maps them to status codes.
var (
	ErrNotFound           = errors.New("user not found")
	ErrUsernameTaken      = errors.New("username taken")
	ErrEmailTaken         = errors.New("email taken")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrWrongPassword      = errors.New("current password is incorrect")
	ErrRefreshInvalid     = errors.New("refresh token invalid or expired")
	ErrRefreshReused      = errors.New("refresh token reused")
)

// RefreshReusedError is ErrRefreshReused naming the revoked family, so its
// access tokens can be revoked too.
type RefreshReusedError struct{ UserID, FamilyID string }

func (e *RefreshReusedError) Error() string { return ErrRefreshReused.Error() }

// Unwrap makes errors.Is(err, ErrRefreshReused) hold.
func (e *RefreshReusedError) Unwrap() error { return ErrRefreshReused }

// RateLimitedError says when to try again.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s", e.RetryAfter)
}

var usernameRE = regexp.MustCompile(`^[a-z0-9_]{3,32}$`)

func checkUsername(v *validation.Error, field, s string) {
	if !usernameRE.MatchString(s) {
		v.Add(field, "must be 3–32 characters of lowercase letters, digits and underscores")
	}
}

// NormalizeEmail trims and lower-cases an email: addresses are compared
// case-insensitively.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func checkEmail(v *validation.Error, field, s string) {
	if len(s) > 254 {
		v.Add(field, "must be at most 254 characters")
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		v.Add(field, "must be a valid email address")
	}
}

// checkPassword enforces ≥ 10 characters (at most 128 bytes, which bounds
// hashing cost) and refuses trivially guessable ones.
func checkPassword(v *validation.Error, field, pw string, related ...string) {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < 10:
		v.Add(field, "must be at least 10 characters")
		return
	case len(pw) > 128:
		v.Add(field, "must be at most 128 bytes")
		return
	case !utf8.ValidString(pw):
		v.Add(field, "must be valid UTF-8")
		return
	}
	lower := strings.ToLower(pw)
	if _, common := commonPasswords[lower]; common || repetitive(lower) {
		v.Add(field, "is too common or predictable")
		return
	}
	for _, r := range related {
		if r != "" && len(r) >= 3 && strings.Contains(lower, strings.ToLower(r)) {
			v.Add(field, "must not contain your username or email")
			return
		}
	}
}

// repetitive catches "aaaaaaaaaa", "ababababab", "1234567890", "abcdefghij".
func repetitive(s string) bool {
	r := []rune(s)
	distinct := map[rune]struct{}{}
	sequential := true
	for i, c := range r {
		distinct[c] = struct{}{}
		if i > 0 && c != r[i-1]+1 && c != r[i-1]-1 {
			sequential = false
		}
	}
	return len(distinct) <= 2 || sequential
}

func checkLanguage(v *validation.Error, field, s string) {
	if s == "" {
		return
	}
	for _, l := range Languages {
		if s == l {
			return
		}
	}
	v.Add(field, "must be one of: "+strings.Join(Languages, ", "))
}

func checkText(v *validation.Error, field, s string, max int) {
	if !utf8.ValidString(s) {
		v.Add(field, "must be valid UTF-8")
		return
	}
	if utf8.RuneCountInString(s) > max {
		v.Add(field, fmt.Sprintf("must be at most %d characters", max))
		return
	}
	for _, c := range s {
		if unicode.IsControl(c) && c != '\n' && c != '\t' {
			v.Add(field, "must not contain control characters")
			return
		}
	}
}

// SignupInput is what a new user gives.
type SignupInput struct{ Username, Email, Password string }

// Validate checks a signup; Email must already be normalized.
func (in SignupInput) Validate() error {
	var v validation.Error
	checkUsername(&v, "username", in.Username)
	checkEmail(&v, "email", in.Email)
	local, _, _ := strings.Cut(in.Email, "@")
	checkPassword(&v, "password", in.Password, in.Username, local)
	return v.OrNil()
}

// Validate checks a profile update.
func (u ProfileUpdate) Validate() error {
	var v validation.Error
	if u.Username != nil {
		checkUsername(&v, "username", *u.Username)
	}
	if u.DisplayName != nil {
		checkText(&v, "display_name", *u.DisplayName, 64)
	}
	if u.Bio != nil {
		checkText(&v, "bio", *u.Bio, 500)
	}
	if u.PreferredLanguage != nil {
		checkLanguage(&v, "preferred_language", *u.PreferredLanguage)
	}
	return v.OrNil()
}
