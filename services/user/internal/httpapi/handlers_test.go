package httpapi

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/auth"
)

func TestSignup(t *testing.T) {
	t.Parallel()
	h := newEnv(t).replica(t)
	first := signup(t, h, "ada_lovelace")

	cases := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"bad username characters", map[string]string{"username": "Ada!", "email": "x1@example.com", "password": "Plenty-long-pass-1"}, 400, "validation_failed", "username"},
		{"username too short", map[string]string{"username": "ab", "email": "x2@example.com", "password": "Plenty-long-pass-1"}, 400, "validation_failed", "username"},
		{"invalid email", map[string]string{"username": "valid_name", "email": "not-an-email", "password": "Plenty-long-pass-1"}, 400, "validation_failed", "email"},
		{"short password", map[string]string{"username": "valid_name", "email": "x3@example.com", "password": "short"}, 400, "validation_failed", "password"},
		{"common password", map[string]string{"username": "valid_name", "email": "x4@example.com", "password": "password123"}, 400, "validation_failed", "password"},
		{"repetitive password", map[string]string{"username": "valid_name", "email": "x5@example.com", "password": "aaaaaaaaaaaa"}, 400, "validation_failed", "password"},
		{"password containing the username", map[string]string{"username": "valid_name", "email": "x6@example.com", "password": "valid_name-2024"}, 400, "validation_failed", "password"},
		{"missing field", map[string]string{"username": "valid_name", "email": "x7@example.com"}, 400, "validation_failed", "password"},
		{"unknown field", map[string]any{"username": "valid_name", "email": "x8@example.com", "password": "Plenty-long-pass-1", "role": "admin"}, 400, "validation_failed", "role"},
		{"malformed JSON", `{"username":`, 400, "invalid_request", ""},
		{"duplicate username", map[string]string{"username": "ada_lovelace", "email": "other@example.com", "password": "Plenty-long-pass-1"}, 409, "conflict", ""},
		{"duplicate email in other case", map[string]string{"username": "someone_else", "email": "ADA_LOVELACE@Example.com", "password": "Plenty-long-pass-1"}, 409, "conflict", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, h, "POST", "/auth/signup", tc.body)
			if r.Code != tc.status || r.errCode() != tc.code {
				t.Fatalf("got %d %s", r.Code, r.Raw)
			}
			if tc.field != "" && r.detailField() != tc.field {
				t.Fatalf("details name %q, want %q: %s", r.detailField(), tc.field, r.Raw)
			}
		})
	}

	t.Run("success returns the user, a token pair and the refresh cookie", func(t *testing.T) {
		if first.ID == "" || first.Access == "" || first.Refresh == "" {
			t.Fatalf("%+v", first)
		}
		r := call(t, h, "POST", "/auth/signup", map[string]string{"username": "grace", "email": "Grace@Example.COM", "password": "Compilers-are-fun-1952"})
		if r.Code != 201 || r.str("user", "email") != "grace@example.com" || r.str("user", "role") != "user" || !expiresInAbout(r.Body["expires_in"], 900) {
			t.Fatalf("%d %s", r.Code, r.Raw)
		}
		ck := r.Header.Get("Set-Cookie")
		for _, want := range []string{"refresh_token=", "HttpOnly", "Secure", "SameSite=Strict", "Path=/user-service-api/auth"} {
			if !strings.Contains(ck, want) {
				t.Fatalf("cookie %q lacks %q", ck, want)
			}
		}
		if strings.Contains(r.Raw, "password") {
			t.Fatalf("response mentions the password: %s", r.Raw)
		}
	})
}

func TestLogin(t *testing.T) {
	t.Parallel()
	h := newEnv(t).replica(t)
	a := signup(t, h, "linus")

	cases := []struct {
		name, identifier, password string
		status                     int
	}{
		{"by username", "linus", a.Password, 200},
		{"by email in another case", "LINUS@example.com", a.Password, 200},
		{"wrong password", "linus", "Wrong-password-123", 401},
		{"unknown account", "nobody", a.Password, 401},
	}
	var messages []string
	for _, tc := range cases {
		r := call(t, h, "POST", "/auth/login", map[string]string{"identifier": tc.identifier, "password": tc.password}, "X-Forwarded-For", "198.51.100."+tc.name[:1])
		if r.Code != tc.status {
			t.Fatalf("%s: %d %s", tc.name, r.Code, r.Raw)
		}
		if tc.status == 401 {
			messages = append(messages, r.Raw[:strings.Index(r.Raw, "request_id")])
		}
	}
	if messages[0] != messages[1] {
		t.Fatalf("wrong password and unknown account answer differently:\n%s\n%s", messages[0], messages[1])
	}
	if r := call(t, h, "POST", "/auth/login", map[string]string{"identifier": "linus"}); r.Code != 400 || r.detailField() != "password" {
		t.Fatalf("missing password: %d %s", r.Code, r.Raw)
	}
}

// TestLoginRateLimitSharedByReplicas: failures counted on one replica block
// the account on the other, because the counts live in Redis.
func TestLoginRateLimitSharedByReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	one, two := e.replica(t), e.replica(t)
	a := signup(t, one, "target_user")
	for i := range 5 {
		h := one
		if i%2 == 1 {
			h = two
		}
		if r := call(t, h, "POST", "/auth/login", map[string]string{"identifier": "target_user", "password": "Guess-number-" + string(rune('a'+i))}); r.Code != 401 {
			t.Fatalf("guess %d: %d %s", i, r.Code, r.Raw)
		}
	}
	r := call(t, two, "POST", "/auth/login", map[string]string{"identifier": "target_user", "password": a.Password})
	if r.Code != http.StatusTooManyRequests || r.errCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt on the other replica: %d %s %v", r.Code, r.Raw, r.Header)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	h := newEnv(t).replica(t)
	a := signup(t, h, "rotator")

	r := call(t, h, "POST", "/auth/refresh", map[string]string{"refresh_token": a.Refresh})
	if r.Code != 200 || r.str("refresh_token") == a.Refresh || r.str("access_token") == "" {
		t.Fatalf("rotate: %d %s", r.Code, r.Raw)
	}
	second := r.str("refresh_token")

	// The rotated-out token comes back: someone copied it. The whole family dies.
	if r := call(t, h, "POST", "/auth/refresh", map[string]string{"refresh_token": a.Refresh}); r.Code != 401 {
		t.Fatalf("reuse: %d %s", r.Code, r.Raw)
	}
	if r := call(t, h, "POST", "/auth/refresh", map[string]string{"refresh_token": second}); r.Code != 401 {
		t.Fatalf("family not revoked after reuse: %d %s", r.Code, r.Raw)
	}

	t.Run("cookie works when the body is absent", func(t *testing.T) {
		b := signup(t, h, "cookie_user")
		r := call(t, h, "POST", "/auth/refresh", nil, "Cookie", "refresh_token="+b.Refresh)
		if r.Code != 200 {
			t.Fatalf("%d %s", r.Code, r.Raw)
		}
	})
	t.Run("no token is 401", func(t *testing.T) {
		if r := call(t, h, "POST", "/auth/refresh", nil); r.Code != 401 {
			t.Fatalf("%d %s", r.Code, r.Raw)
		}
	})
	t.Run("garbage token is 401", func(t *testing.T) {
		if r := call(t, h, "POST", "/auth/refresh", map[string]string{"refresh_token": "garbage"}); r.Code != 401 {
			t.Fatalf("%d %s", r.Code, r.Raw)
		}
	})
	t.Run("concurrent use of one token yields at most one new pair", func(t *testing.T) {
		c := signup(t, h, "racer")
		var wg sync.WaitGroup
		codes := make([]int, 4)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = call(t, h, "POST", "/auth/refresh", map[string]string{"refresh_token": c.Refresh}).Code
			}()
		}
		wg.Wait()
		ok := 0
		for _, code := range codes {
			if code == 200 {
				ok++
			}
		}
		if ok > 1 {
			t.Fatalf("codes %v: one token rotated twice", codes)
		}
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	h := newEnv(t).replica(t)
	a := signup(t, h, "leaver")
	r := call(t, h, "POST", "/auth/logout", map[string]string{"refresh_token": a.Refresh})
	if r.Code != 204 || !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %v", r.Code, r.Header)
	}
	if r := call(t, h, "POST", "/auth/refresh", map[string]string{"refresh_token": a.Refresh}); r.Code != 401 {
		t.Fatalf("refresh after logout: %d", r.Code)
	}
	if r := call(t, h, "POST", "/auth/logout", nil); r.Code != 204 {
		t.Fatalf("logout without a token: %d", r.Code)
	}
}

func TestMe(t *testing.T) {
	t.Parallel()
	h := newEnv(t).replica(t)
	a := signup(t, h, "selfie")
	signup(t, h, "taken_name")

	if r := call(t, h, "GET", "/users/me", nil); r.Code != 401 || r.errCode() != "unauthenticated" {
		t.Fatalf("no token: %d %s", r.Code, r.Raw)
	}
	if r := call(t, h, "GET", "/users/me", nil, bearer("x.y.z")...); r.Code != 401 {
		t.Fatalf("bad token: %d", r.Code)
	}
	if r := call(t, h, "GET", "/users/me", nil, bearer(a.Access)...); r.Code != 200 || r.str("username") != "selfie" || r.str("email") != a.Email {
		t.Fatalf("me: %d %s", r.Code, r.Raw)
	}

	cases := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"updates display name, bio and language", map[string]string{"display_name": "Self Ie", "bio": "hi\nthere", "preferred_language": "go"}, 200, ""},
		{"unknown language", map[string]string{"preferred_language": "cobol"}, 400, "preferred_language"},
		{"display name too long", map[string]string{"display_name": strings.Repeat("x", 65)}, 400, "display_name"},
		{"control characters in bio", map[string]string{"bio": "bell\a"}, 400, "bio"},
		{"bad username", map[string]string{"username": "NO"}, 400, "username"},
		{"taken username", map[string]string{"username": "taken_name"}, 409, ""},
		{"unknown field", map[string]string{"email": "new@example.com"}, 400, "email"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, h, "PATCH", "/users/me", tc.body, bearer(a.Access)...)
			if r.Code != tc.status || (tc.field != "" && r.detailField() != tc.field) {
				t.Fatalf("%d %s", r.Code, r.Raw)
			}
		})
	}
	if r := call(t, h, "GET", "/users/me", nil, bearer(a.Access)...); r.str("display_name") != "Self Ie" || r.str("preferred_language") != "go" {
		t.Fatalf("update not kept: %s", r.Raw)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	h := newEnv(t).replica(t)
	a := signup(t, h, "changer")
	// A second session, e.g. another device.
	other := call(t, h, "POST", "/auth/login", map[string]string{"identifier": "changer", "password": a.Password})

	if r := call(t, h, "PUT", "/users/me/password", map[string]string{"current_password": "Wrong-password-1", "new_password": "Brand-new-secret-77"}, bearer(a.Access)...); r.Code != 403 {
		t.Fatalf("wrong current: %d %s", r.Code, r.Raw)
	}
	if r := call(t, h, "PUT", "/users/me/password", map[string]string{"current_password": a.Password, "new_password": "short"}, bearer(a.Access)...); r.Code != 400 || r.detailField() != "new_password" {
		t.Fatalf("weak new: %d %s", r.Code, r.Raw)
	}
	if r := call(t, h, "PUT", "/users/me/password", map[string]string{"current_password": a.Password, "new_password": "Brand-new-secret-77"}, bearer(a.Access)...); r.Code != 204 {
		t.Fatalf("change: %d %s", r.Code, r.Raw)
	}
	if r := call(t, h, "POST", "/auth/refresh", map[string]string{"refresh_token": other.str("refresh_token")}); r.Code != 401 {
		t.Fatalf("other session survived the password change: %d", r.Code)
	}
	if r := call(t, h, "POST", "/auth/refresh", map[string]string{"refresh_token": a.Refresh}); r.Code != 200 {
		t.Fatalf("current session was signed out: %d %s", r.Code, r.Raw)
	}
	if r := call(t, h, "POST", "/auth/login", map[string]string{"identifier": "changer", "password": "Brand-new-secret-77"}); r.Code != 200 {
		t.Fatalf("login with the new password: %d", r.Code)
	}
}

func TestDeletedUser(t *testing.T) {
	t.Parallel()
	h := newEnv(t).replica(t)
	a := signup(t, h, "goner")
	if r := call(t, h, "DELETE", "/users/me", nil, bearer(a.Access)...); r.Code != 204 {
		t.Fatalf("delete: %d %s", r.Code, r.Raw)
	}
	if r := call(t, h, "POST", "/auth/login", map[string]string{"identifier": "goner", "password": a.Password}); r.Code != 401 {
		t.Fatalf("deleted user logged in: %d", r.Code)
	}
	if r := call(t, h, "POST", "/auth/refresh", map[string]string{"refresh_token": a.Refresh}); r.Code != 401 {
		t.Fatalf("deleted user refreshed: %d", r.Code)
	}
	if r := call(t, h, "GET", "/users/me", nil, bearer(a.Access)...); r.Code != 401 {
		t.Fatalf("deleted user's live access token still reads /users/me: %d", r.Code)
	}
	// The name and email are free again.
	signup(t, h, "goner")
}

func TestProfilesAndAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := e.replica(t)
	boss := signup(t, h, "boss")
	u := signup(t, h, "plain_user")
	signup(t, h, "another_one")
	// The operator's promote command; the role reaches tokens issued after it.
	if _, err := e.store.SetRole(t.Context(), boss.ID, "admin", time.Now()); err != nil {
		t.Fatal(err)
	}
	r := call(t, h, "POST", "/auth/login", map[string]string{"identifier": "boss", "password": boss.Password})
	boss.Access = r.str("access_token")
	if r.str("user", "role") != "admin" {
		t.Fatalf("%s", r.Raw)
	}
	t.Run("public profile hides email from users", func(t *testing.T) {
		r := call(t, h, "GET", "/users/"+boss.ID, nil, bearer(u.Access)...)
		if r.Code != 200 || r.str("username") != "boss" || strings.Contains(r.Raw, "email") || strings.Contains(r.Raw, "role") {
			t.Fatalf("%d %s", r.Code, r.Raw)
		}
	})
	t.Run("admins see email and role", func(t *testing.T) {
		r := call(t, h, "GET", "/users/"+u.ID, nil, bearer(boss.Access)...)
		if r.str("email") != u.Email || r.str("role") != "user" {
			t.Fatalf("%s", r.Raw)
		}
	})
	t.Run("unknown and malformed ids are 404", func(t *testing.T) {
		for _, id := range []string{"8b0c4c1e-6f0e-4d7c-9a52-0d1f2e3a4b5c", "not-a-uuid"} {
			if r := call(t, h, "GET", "/users/"+id, nil, bearer(u.Access)...); r.Code != 404 || r.errCode() != "not_found" {
				t.Fatalf("%s: %d %s", id, r.Code, r.Raw)
			}
		}
	})
	t.Run("profile needs a token", func(t *testing.T) {
		if r := call(t, h, "GET", "/users/"+u.ID, nil); r.Code != 401 {
			t.Fatalf("%d", r.Code)
		}
	})
	t.Run("user list is admin only", func(t *testing.T) {
		if r := call(t, h, "GET", "/users", nil, bearer(u.Access)...); r.Code != 403 || r.errCode() != "forbidden" {
			t.Fatalf("%d %s", r.Code, r.Raw)
		}
		r := call(t, h, "GET", "/users?query=PLAIN&limit=10", nil, bearer(boss.Access)...)
		items, _ := r.Body["items"].([]any)
		if r.Code != 200 || len(items) != 1 || r.Body["total"].(float64) != 1 {
			t.Fatalf("%d %s", r.Code, r.Raw)
		}
		r = call(t, h, "GET", "/users?page=1&limit=2", nil, bearer(boss.Access)...)
		if items, _ := r.Body["items"].([]any); len(items) != 2 || r.Body["total"].(float64) != 3 {
			t.Fatalf("paging: %s", r.Raw)
		}
		r = call(t, h, "GET", "/users?query=%25", nil, bearer(boss.Access)...)
		if items, _ := r.Body["items"].([]any); len(items) != 0 {
			t.Fatalf("%% is not literal: %s", r.Raw)
		}
		for _, q := range []string{"limit=1000", "limit=abc", "page=-1"} {
			if r := call(t, h, "GET", "/users?"+q, nil, bearer(boss.Access)...); r.Code != 400 {
				t.Fatalf("%s: %d %s", q, r.Code, r.Raw)
			}
		}
	})
	t.Run("role change is admin only and validated", func(t *testing.T) {
		if r := call(t, h, "PATCH", "/users/"+u.ID+"/role", map[string]string{"role": "admin"}, bearer(u.Access)...); r.Code != 403 {
			t.Fatalf("user promoted themself: %d", r.Code)
		}
		if r := call(t, h, "PATCH", "/users/"+u.ID+"/role", map[string]string{"role": "root"}, bearer(boss.Access)...); r.Code != 400 || r.detailField() != "role" {
			t.Fatalf("bad role: %d %s", r.Code, r.Raw)
		}
		if r := call(t, h, "PATCH", "/users/8b0c4c1e-6f0e-4d7c-9a52-0d1f2e3a4b5c/role", map[string]string{"role": "admin"}, bearer(boss.Access)...); r.Code != 404 {
			t.Fatalf("unknown user: %d", r.Code)
		}
		if r := call(t, h, "PATCH", "/users/"+u.ID+"/role", map[string]string{"role": "admin"}, bearer(boss.Access)...); r.Code != 200 || r.str("role") != "admin" {
			t.Fatalf("promote: %d %s", r.Code, r.Raw)
		}
	})
}

func TestJWKSAndInternal(t *testing.T) {
	t.Parallel()
	h := newEnv(t).replica(t)
	a := signup(t, h, "looked_up")

	r := call(t, h, "GET", "/.well-known/jwks.json", nil)
	if r.Code != 200 {
		t.Fatalf("jwks: %d", r.Code)
	}
	keys, err := auth.ParseStaticKeys(r.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.NewVerifier(keys, nil).Verify(t.Context(), a.Access); err != nil {
		t.Fatalf("published keys do not verify issued tokens: %v", err)
	}

	for name, hdr := range map[string][]string{"no token": nil, "user token": bearer(a.Access), "wrong token": bearer("nope-nope-nope-nope-nope")} {
		if r := call(t, h, "GET", "/internal/users/"+a.ID, nil, hdr...); r.Code != 401 {
			t.Fatalf("internal with %s: %d", name, r.Code)
		}
	}
	r = call(t, h, "GET", "/internal/users/"+a.ID, nil, bearer(internalToken)...)
	if r.Code != 200 || r.str("username") != "looked_up" || r.str("email") != a.Email {
		t.Fatalf("internal lookup: %d %s", r.Code, r.Raw)
	}
	if r := call(t, h, "GET", "/internal/users/8b0c4c1e-6f0e-4d7c-9a52-0d1f2e3a4b5c", nil, bearer(internalToken)...); r.Code != 404 {
		t.Fatalf("internal unknown: %d", r.Code)
	}
}

// expiresInAbout: expires_in counts the seconds left, so a slow machine
// (the race detector under a parallel test run) may answer a second or two
// below the lifetime.
func expiresInAbout(v any, lifetime float64) bool {
	n, ok := v.(float64)
	return ok && n <= lifetime && n >= lifetime-5
}
