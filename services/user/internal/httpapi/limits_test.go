package httpapi

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/services/user/internal/ratelimit"
)

// hammer sends the bodies concurrently, alternating between the replicas,
// and counts the answers by status.
func hammer(t *testing.T, replicas []http.Handler, path string, bodies []map[string]string, hdr func(i int) []string) map[int]int {
	t.Helper()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[int]int{}
	)
	for i, b := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var h []string
			if hdr != nil {
				h = hdr(i)
			}
			r := call(t, replicas[i%len(replicas)], "POST", path, b, h...)
			if r.Code == http.StatusTooManyRequests && (r.Header.Get("Retry-After") == "" || r.errCode() != "rate_limited") {
				t.Errorf("429 without Retry-After or rate_limited code: %v %s", r.Header, r.Raw)
			}
			mu.Lock()
			counts[r.Code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return counts
}

// TestLoginBudgetIsPerAccountAndReservedBeforeHashing: 20 concurrent wrong
// passwords by username and 20 by email, spread over two replicas, reach
// the password check at most 5 times in all; the rest are 429.
func TestLoginBudgetIsPerAccountAndReservedBeforeHashing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	replicas := []http.Handler{e.replica(t), e.replica(t)}
	a := signup(t, replicas[0], "victim")
	var bodies []map[string]string
	for i := range 40 {
		id := a.Username
		if i%2 == 1 {
			id = a.Email
		}
		bodies = append(bodies, map[string]string{"identifier": id, "password": "Wrong-guess-" + string(rune('a'+i))})
	}
	// Each guess from its own address: the per-account budget alone must hold.
	counts := hammer(t, replicas, "/auth/login", bodies, func(i int) []string {
		return []string{"X-Forwarded-For", "203.0.113." + string(rune('0'+i%10)) + string(rune('0'+i/10))}
	})
	t.Logf("40 concurrent wrong passwords (20 by username, 20 by email) over 2 replicas: %v", counts)
	if counts[http.StatusUnauthorized] > 5 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != 40 {
		t.Fatalf("answers %v: want at most 5 × 401 and the rest 429", counts)
	}
}

// TestLoginProbesOfUnknownNamesAreLimited: a name no account has gets a
// budget of its own, so guessing against it costs as much as against a
// real account (and answers the same).
func TestLoginProbesOfUnknownNamesAreLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	replicas := []http.Handler{e.replica(t), e.replica(t)}
	var bodies []map[string]string
	for range 20 {
		bodies = append(bodies, map[string]string{"identifier": "no_such_user", "password": "Wrong-guess-1234"})
	}
	counts := hammer(t, replicas, "/auth/login", bodies, func(i int) []string {
		return []string{"X-Forwarded-For", "198.51.100." + string(rune('0'+i%10))}
	})
	if counts[http.StatusUnauthorized] != 5 || counts[http.StatusTooManyRequests] != 15 {
		t.Fatalf("answers %v: want 5 × 401, 15 × 429", counts)
	}
}

// TestSignupLimitPerClientAddress: 40 concurrent signups from one address
// over two replicas create at most the budget (10) of accounts; a spoofed
// X-Forwarded-For entry does not buy a fresh budget; another address can
// still sign up.
func TestSignupLimitPerClientAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.limits = ratelimit.DefaultLimits
	replicas := []http.Handler{e.replica(t), e.replica(t)}
	var bodies []map[string]string
	for i := range 40 {
		name := fmt.Sprintf("bulk_%02d", i)
		bodies = append(bodies, map[string]string{"username": name, "email": name + "@example.com", "password": "Bulk-signup-pass-77"})
	}
	// The ALB appends the real client address; what the client wrote before it is ignored.
	counts := hammer(t, replicas, "/auth/signup", bodies, func(i int) []string {
		return []string{"X-Forwarded-For", fmt.Sprintf("10.9.%d.%d, 203.0.113.50", i, i)}
	})
	t.Logf("40 concurrent signups from one address over 2 replicas: %v", counts)
	if counts[http.StatusCreated] != 10 || counts[http.StatusTooManyRequests] != 30 {
		t.Fatalf("answers %v: want 10 × 201, 30 × 429", counts)
	}
	r := call(t, replicas[1], "POST", "/auth/signup", map[string]string{"username": "elsewhere", "email": "elsewhere@example.com", "password": "Bulk-signup-pass-77"}, "X-Forwarded-For", "203.0.113.51")
	if r.Code != http.StatusCreated {
		t.Fatalf("signup from another address: %d %s", r.Code, r.Raw)
	}
}

// TestWrongCurrentPasswordsAreLimitedPerUser: 10 concurrent wrong current
// passwords over two replicas reach the check at most 5 times.
func TestWrongCurrentPasswordsAreLimitedPerUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	replicas := []http.Handler{e.replica(t), e.replica(t)}
	a := signup(t, replicas[0], "pw_target")
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[int]int{}
	)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := call(t, replicas[i%2], "PUT", "/users/me/password", map[string]string{"current_password": fmt.Sprintf("Wrong-current-%d", i), "new_password": "Brand-new-secret-77"}, bearer(a.Access)...)
			if r.Code == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After: %v", r.Header)
			}
			mu.Lock()
			counts[r.Code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("10 concurrent wrong current passwords over 2 replicas: %v", counts)
	if counts[http.StatusForbidden] != 5 || counts[http.StatusTooManyRequests] != 5 {
		t.Fatalf("answers %v: want 5 × 403, 5 × 429", counts)
	}
}

// eventuallyCode polls until the request answers want: a revocation
// reaches the other replica through Redis pub/sub, within milliseconds.
func eventuallyCode(t *testing.T, h http.Handler, method, path, token string, want int) {
	t.Helper()
	apitest.EventuallyNil(t, 3*time.Second, func() error {
		if r := call(t, h, method, path, nil, bearer(token)...); r.Code != want {
			return fmt.Errorf("%s %s: %d %s, want %d", method, path, r.Code, r.Raw, want)
		}
		return nil
	})
}

// TestRevocationsReachTheOtherReplica: deleting the account, changing the
// password and logging out on one replica refuse the affected access
// tokens on the other replica too, long before they expire.
func TestRevocationsReachTheOtherReplica(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	one, two := e.replica(t), e.replica(t)
	login := func(a account) string {
		t.Helper()
		r := call(t, one, "POST", "/auth/login", map[string]string{"identifier": a.Username, "password": a.Password})
		if r.Code != 200 {
			t.Fatalf("login: %d %s", r.Code, r.Raw)
		}
		return r.str("access_token")
	}

	t.Run("password change: other sessions refused, the changing one kept", func(t *testing.T) {
		a := signup(t, one, "rev_pw")
		other := login(a)
		if r := call(t, one, "PUT", "/users/me/password", map[string]string{"current_password": a.Password, "new_password": "Brand-new-secret-77"}, bearer(a.Access)...); r.Code != 204 {
			t.Fatalf("change: %d %s", r.Code, r.Raw)
		}
		eventuallyCode(t, two, "GET", "/users/me", other, 401)
		if r := call(t, two, "GET", "/users/me", nil, bearer(a.Access)...); r.Code != 200 {
			t.Fatalf("the session that changed the password: %d %s", r.Code, r.Raw)
		}
	})
	t.Run("a session that was refreshed keeps itself when it changes the password", func(t *testing.T) {
		a := signup(t, one, "rev_refreshed")
		r := call(t, one, "POST", "/auth/refresh", map[string]string{"refresh_token": a.Refresh})
		access, refresh := r.str("access_token"), r.str("refresh_token")
		if r := call(t, two, "PUT", "/users/me/password", map[string]string{"current_password": a.Password, "new_password": "Brand-new-secret-77"}, bearer(access)...); r.Code != 204 {
			t.Fatalf("change: %d %s", r.Code, r.Raw)
		}
		if r := call(t, one, "POST", "/auth/refresh", map[string]string{"refresh_token": refresh}); r.Code != 200 {
			t.Fatalf("the session that changed the password was signed out: %d %s", r.Code, r.Raw)
		}
		time.Sleep(50 * time.Millisecond) // the revocation has arrived
		if r := call(t, one, "GET", "/users/me", nil, bearer(access)...); r.Code != 200 {
			t.Fatalf("its access token was revoked: %d %s", r.Code, r.Raw)
		}
	})
	t.Run("logout refuses that session's access token only", func(t *testing.T) {
		a := signup(t, one, "rev_logout")
		other := login(a)
		if r := call(t, one, "POST", "/auth/logout", map[string]string{"refresh_token": a.Refresh}); r.Code != 204 {
			t.Fatalf("logout: %d", r.Code)
		}
		eventuallyCode(t, two, "GET", "/users/me", a.Access, 401)
		if r := call(t, two, "GET", "/users/me", nil, bearer(other)...); r.Code != 200 {
			t.Fatalf("another session: %d %s", r.Code, r.Raw)
		}
	})
	t.Run("deletion refuses every token of the account", func(t *testing.T) {
		a := signup(t, one, "rev_delete")
		bystander := signup(t, one, "rev_bystander")
		other := login(a)
		if r := call(t, one, "DELETE", "/users/me", nil, bearer(a.Access)...); r.Code != 204 {
			t.Fatalf("delete: %d", r.Code)
		}
		// GET /users/{id} does not look the caller up: only the revocation refuses it.
		eventuallyCode(t, two, "GET", "/users/"+bystander.ID, other, 401)
	})
}

// TestRoleChangeAndRefreshReuseRevokeAccessTokens: a demoted admin's
// tokens stop carrying the admin role at once, and a refresh token reused
// (a stolen copy) kills its session's access tokens, not only the family.
func TestRoleChangeAndRefreshReuseRevokeAccessTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	one, two := e.replica(t), e.replica(t)
	boss := signup(t, one, "rev_boss")
	other := signup(t, one, "rev_other")
	if _, err := e.store.SetRole(t.Context(), boss.ID, "admin", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetRole(t.Context(), other.ID, "admin", time.Now()); err != nil {
		t.Fatal(err)
	}
	r := call(t, one, "POST", "/auth/login", map[string]string{"identifier": "rev_other", "password": other.Password})
	otherAdmin := r.str("access_token")
	if r := call(t, two, "GET", "/users", nil, bearer(otherAdmin)...); r.Code != 200 {
		t.Fatalf("admin list before the demotion: %d %s", r.Code, r.Raw)
	}
	r = call(t, one, "POST", "/auth/login", map[string]string{"identifier": "rev_boss", "password": boss.Password})
	if r := call(t, one, "PATCH", "/users/"+other.ID+"/role", map[string]string{"role": "user"}, bearer(r.str("access_token"))...); r.Code != 200 {
		t.Fatalf("demote: %d %s", r.Code, r.Raw)
	}
	eventuallyCode(t, two, "GET", "/users", otherAdmin, 401)

	victim := signup(t, one, "rev_victim")
	rotated := call(t, one, "POST", "/auth/refresh", map[string]string{"refresh_token": victim.Refresh})
	if rotated.Code != 200 {
		t.Fatalf("refresh: %d", rotated.Code)
	}
	if r := call(t, one, "POST", "/auth/refresh", map[string]string{"refresh_token": victim.Refresh}); r.Code != 401 {
		t.Fatalf("reuse: %d", r.Code)
	}
	eventuallyCode(t, two, "GET", "/users/me", rotated.str("access_token"), 401)
}
