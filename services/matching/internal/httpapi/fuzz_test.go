package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/auth"
	"github.com/peerprep/peerprep/libs/server"
	"github.com/peerprep/peerprep/services/matching/internal/match"
)

// memStore is a minimal match.Store: every ticket is queued.
type memStore struct{ match.Store }

func (memStore) Current(context.Context, string) (match.Ticket, error) {
	return match.Ticket{}, match.ErrNotFound
}

// noSessions is a collaboration-service where nobody is in a session.
type noSessions struct{}

func (noSessions) Current(context.Context, string) (string, error) { return "", nil }

func (memStore) Enqueue(_ context.Context, id, user string, c match.Criteria, _ match.Ticket) (match.Ticket, error) {
	now := time.Now().UTC()
	return match.Ticket{ID: id, UserID: user, Criteria: c, Status: match.StatusQueued, QueuedAt: now, ExpiresAt: now.Add(30 * time.Second)}, nil
}

type allTopics struct{}

func (allTopics) Lookup(_ context.Context, topic, _ string) (match.TopicInfo, error) {
	return match.TopicInfo{Known: topic == "arrays", HasQuestions: true}, nil
}

// FuzzCreateTicket throws arbitrary bodies at POST /tickets: never a 5xx or
// a panic, every refusal in the error shape, and a 202 only for valid
// criteria.
func FuzzCreateTicket(f *testing.F) {
	for _, s := range []string{
		`{"difficulty":"easy","topic":"arrays"}`, `{"difficulty":"easy","topic":"arrays","language":"go"}`,
		`{"difficulty":"easy","topic":"arrays","language":null}`, `{"difficulty":"hard","topic":"Arrays"}`,
		`{"difficulty":1}`, `{"topic":["arrays"]}`, `[]`, `null`, ``, `{"difficulty":"easy","difficulty":"hard","topic":"arrays"}`,
		`{"difficulty":"\u0000","topic":"\ud800"}`, `{"difficulty":"easy","topic":"arrays"} {}`,
	} {
		f.Add(s)
	}
	priv, err := auth.GenerateKey()
	if err != nil {
		f.Fatal(err)
	}
	signer := auth.NewSigner(priv, nil)
	tok, _, _ := signer.Sign(uuid.NewString(), auth.RoleUser, "")
	srv := server.New(server.Options{Service: "matching-service", Prefix: Prefix, MapError: MapError})
	Register(srv.Echo, Options{
		Tickets:  match.NewService(match.Deps{Store: memStore{}, Topics: allTopics{}, Sessions: noSessions{}}),
		Verifier: auth.NewVerifier(auth.StaticKeys{signer.KeyID(): auth.Public(priv)}, nil),
		Socket:   func(c echo.Context) error { return c.NoContent(http.StatusTeapot) },
	})
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, Prefix+"/tickets", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		srv.Echo.ServeHTTP(rec, req)
		var out struct {
			Error *struct{ Code string } `json:"error"`
			Crit  struct {
				Difficulty, Topic, Language string
			} `json:"criteria"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		switch {
		case rec.Code >= 500:
			t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
		case rec.Code >= 400 && (out.Error == nil || out.Error.Code == ""):
			t.Fatalf("%q: error without the JSON shape: %s", body, rec.Body)
		case rec.Code == http.StatusAccepted:
			c := match.Criteria{Difficulty: out.Crit.Difficulty, Topic: out.Crit.Topic, Language: out.Crit.Language}
			if c.Validate() != nil || c.Topic != "arrays" {
				t.Fatalf("%q accepted as %+v", body, c)
			}
		}
	})
}
