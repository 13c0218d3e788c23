package httpapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/libs/redistest"
	"github.com/peerprep/peerprep/libs/revocation"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/user/internal/password"
	pgstore "github.com/peerprep/peerprep/services/user/internal/postgres"
	"github.com/peerprep/peerprep/services/user/internal/postgres/migrations"
	"github.com/peerprep/peerprep/services/user/internal/ratelimit"
	"github.com/peerprep/peerprep/services/user/internal/user"
)

const internalToken = "internal-token-for-tests-0123456789"

// fastHash keeps tests quick; production parameters are benchmarked apart.
var fastHash = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// env is one user-service replica's dependencies.
type env struct {
	store  *pgstore.Store
	rdb    *redis.Client
	prefix string
	priv   []byte
	limits ratelimit.Limits
}

func newEnv(t testing.TB) env {
	t.Helper()
	pool := pgtest.New(t, migrations.FS)
	rdb, prefix := redistest.New(t)
	priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	// Tests sign up many accounts from one address; TestSignupLimit sets
	// the real signup budget.
	limits := ratelimit.DefaultLimits
	limits.SignupPerIP.Limit = 1000
	return env{store: pgstore.New(pool), rdb: rdb, prefix: prefix, priv: priv, limits: limits}
}

// replica builds one API instance over e; two replicas share e's database
// and Redis as two processes would.
func (e env) replica(t testing.TB) http.Handler {
	t.Helper()
	hasher, err := password.NewHasher(fastHash, 4)
	if err != nil {
		t.Fatal(err)
	}
	signer := auth.NewSigner(e.priv, nil)
	verifier := auth.NewVerifier(auth.StaticKeys{signer.KeyID(): auth.Public(e.priv)}, nil)
	// Each replica keeps its own copy of the revocations, as a process does.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	revoked := revocation.NewSet(e.rdb, e.prefix, nil)
	revoked.Start(ctx, 5*time.Second)
	verifier.CheckRevocations(revoked)
	users := user.NewService(user.Deps{Store: e.store, Hasher: hasher, Issuer: signer, Revoker: revocation.NewPublisher(e.rdb, e.prefix),
		Limiter: ratelimit.New(e.rdb, e.prefix, e.limits)})
	srv := server.New(server.Options{Service: "user-service", Prefix: Prefix, MapError: MapError})
	Register(srv.Echo, Options{Users: users, Verifier: verifier, JWKS: signer.JWKS(), InternalToken: internalToken})
	return srv.Echo
}

type response struct {
	Code   int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r response) errCode() string {
	e, _ := r.Body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (r response) detailField() string {
	e, _ := r.Body["error"].(map[string]any)
	d, _ := e["details"].([]any)
	if len(d) == 0 {
		return ""
	}
	f, _ := d[0].(map[string]any)["field"].(string)
	return f
}

func (r response) str(path ...string) string {
	var cur any = r.Body
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	s, _ := cur.(string)
	return s
}

// call sends a request (see apitest.NewRequest), a string body as it is
// even when empty. hdr is name, value pairs.
func call(t *testing.T, h http.Handler, method, path string, body any, hdr ...string) response {
	t.Helper()
	if s, ok := body.(string); ok {
		body = []byte(s)
	}
	req := apitest.NewRequest(t, method, Prefix+path, "", body, hdr...)
	if req.Header.Get("X-Forwarded-For") != "" {
		req.RemoteAddr = "10.0.1.7:5555" // the ALB, which the server trusts to append the client's address
	}
	r := apitest.ServeRequest(h, req)
	return response{Code: r.Status, Header: r.Header, Body: r.Body, Raw: r.Raw}
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

type account struct {
	ID, Username, Email, Password, Access, Refresh string
}

func signup(t *testing.T, h http.Handler, name string) account {
	t.Helper()
	a := account{Username: name, Email: name + "@example.com", Password: "Sturdy-horse-pass-42"}
	r := call(t, h, "POST", "/auth/signup", map[string]string{"username": a.Username, "email": a.Email, "password": a.Password})
	if r.Code != http.StatusCreated {
		t.Fatalf("signup %s: %d %s", name, r.Code, r.Raw)
	}
	a.ID, a.Access, a.Refresh = r.str("user", "id"), r.str("access_token"), r.str("refresh_token")
	return a
}
