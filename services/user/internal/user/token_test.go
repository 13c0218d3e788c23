package user

import (
	"errors"
	"testing"
	"time"
)

func TestRotate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	earlier := now.Add(-time.Minute)
	live := RefreshToken{ID: "t1", FamilyID: "f1", UserID: "u1", ExpiresAt: now.Add(time.Hour)}
	spent, revoked, expired := live, live, live
	spent.UsedAt = &earlier
	revoked.RevokedAt = &earlier
	expired.ExpiresAt = now
	cases := []struct {
		name       string
		token      RefreshToken
		err        error
		reused     bool
		issued     bool
		usedNow    bool
		revokedNow bool
	}{
		{"a live token is spent for a successor in its family", live, nil, false, true, true, false},
		{"a spent token is reuse and revokes its family", spent, nil, true, false, false, true},
		{"a revoked token is invalid", revoked, ErrRefreshInvalid, false, false, false, false},
		{"a token at its expiry is invalid", expired, ErrRefreshInvalid, false, false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok := tc.token
			next, reused, err := tok.Rotate(RefreshToken{ID: "t2"}, now)
			if !errors.Is(err, tc.err) || reused != tc.reused || (next != nil) != tc.issued {
				t.Fatalf("Rotate = %+v, %v, %v", next, reused, err)
			}
			if next != nil && (next.FamilyID != "f1" || next.UserID != "u1" || next.ID != "t2") {
				t.Fatalf("successor %+v is not in the family of u1", next)
			}
			if got := tok.UsedAt != nil && tok.UsedAt.Equal(now); got != tc.usedNow {
				t.Fatalf("used at %v", tok.UsedAt)
			}
			if got := tok.RevokedAt != nil && tok.RevokedAt.Equal(now); got != tc.revokedNow {
				t.Fatalf("revoked at %v", tok.RevokedAt)
			}
		})
	}
}
