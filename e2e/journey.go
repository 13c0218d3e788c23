package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"
)

// JourneyConfig is what the two-user journey needs.
type JourneyConfig struct {
	Base      string    // the platform's public address
	EditorDir string    // the Node editor client, installed (InstallEditor)
	Log       io.Writer // one line per step
}

// Journey is the end-to-end test of `mage e2e`: two users sign up, ask for
// a match with the same criteria, get the same session, exchange a chat
// message, edit the document together with the real y-websocket client,
// leave, and each finds the attempt with the final code in their history.
// Every call goes through the public address.
func Journey(ctx context.Context, cfg JourneyConfig) error {
	c := NewClient(cfg.Base)
	start := time.Now()
	step := func(format string, args ...any) {
		fmt.Fprintf(cfg.Log, "  %7s  %s\n", time.Since(start).Round(time.Millisecond), fmt.Sprintf(format, args...))
	}

	// Sign up.
	run := randomHex(4)
	var users [2]*User
	for i, who := range []string{"ada", "bob"} {
		name := fmt.Sprintf("e2e_%s_%s", who, run)
		u, err := c.Signup(ctx, name, name+"@example.com", "correct horse battery "+run)
		if err != nil {
			return fmt.Errorf("sign up %s: %w", name, err)
		}
		users[i] = u
	}
	a, b := users[0], users[1]
	step("signed up %s and %s", a.Username, b.Username)
	if _, err := c.Me(ctx, a.AccessToken); err != nil {
		return fmt.Errorf("GET /users/me: %w", err)
	}
	if err := c.expectStatus(ctx, "", http.StatusNotFound, "/user-service-api/internal/users/"+a.ID); err != nil {
		return err
	}
	step("internal route answered 404 at the public address")

	// Match: both sockets open first, as the frontend does, then the tickets.
	difficulty, topic, err := pickCriteria(ctx, c, a.AccessToken)
	if err != nil {
		return err
	}
	var socks [2]*Socket
	for i, u := range users {
		if socks[i], err = c.DialMatching(ctx, u.AccessToken); err != nil {
			return fmt.Errorf("matching socket of %s: %w", u.Username, err)
		}
		defer socks[i].Close()
	}
	for _, u := range users {
		if _, err := c.RequestMatch(ctx, u.AccessToken, difficulty, topic, "python"); err != nil {
			return fmt.Errorf("ticket of %s: %w", u.Username, err)
		}
	}
	step("both asked for %s / %s / python", difficulty, topic)
	var matches [2]Match
	for i, u := range users {
		mctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		matches[i], err = WaitMatched(mctx, socks[i])
		cancel()
		if err != nil {
			return fmt.Errorf("waiting for %s's match: %w", u.Username, err)
		}
	}
	ma, mb := matches[0], matches[1]
	switch {
	case ma.SessionID == "" || ma.SessionID != mb.SessionID || ma.MatchID != mb.MatchID:
		return fmt.Errorf("the two users got different matches: %+v and %+v", ma, mb)
	case ma.Partner.ID != b.ID || mb.Partner.ID != a.ID:
		return fmt.Errorf("matched with someone else (another client on this platform?): %s got %s, %s got %s",
			a.Username, ma.Partner.Username, b.Username, mb.Partner.Username)
	}
	session := ma.SessionID
	step("both matched into session %s (question %s)", session, ma.QuestionID)
	for _, u := range users {
		s, err := c.Session(ctx, u.AccessToken, session)
		if err != nil {
			return fmt.Errorf("%s reading the session: %w", u.Username, err)
		}
		if s.Status != "active" || !slices.Contains(s.UserIDs, a.ID) || !slices.Contains(s.UserIDs, b.ID) {
			return fmt.Errorf("session as %s sees it: %+v", u.Username, s)
		}
	}

	// Chat, one message each way.
	var chats [2]*Socket
	for i, u := range users {
		if chats[i], err = c.DialChat(ctx, u.AccessToken, session); err != nil {
			return fmt.Errorf("chat socket of %s: %w", u.Username, err)
		}
		defer chats[i].Close()
	}
	for i, u := range users {
		from, to := chats[i], chats[1-i]
		id, text := newUUID(), "hello from "+u.Username
		if err := SendChat(ctx, from, id, text); err != nil {
			return fmt.Errorf("%s sending: %w", u.Username, err)
		}
		for j, s := range []*Socket{from, to} {
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			m, err := WaitChat(cctx, s, id)
			cancel()
			if err != nil {
				return fmt.Errorf("%s's message at %s: %w", u.Username, users[(i+j)%2].Username, err)
			}
			if m.Text != text || m.From.ID != u.ID {
				return fmt.Errorf("%s's message arrived as %+v", u.Username, m)
			}
		}
	}
	msgs, err := c.Messages(ctx, b.AccessToken, session, "")
	if err != nil {
		return fmt.Errorf("chat history: %w", err)
	}
	if len(msgs) != 2 || msgs[0].From.ID != a.ID || msgs[1].From.ID != b.ID {
		return fmt.Errorf("chat history has %d messages: %+v", len(msgs), msgs)
	}
	step("chat: one message each way, delivered to both and in the history in order")

	// The editor, with the real y-websocket client.
	var eds [2]*Editor
	for i, u := range users {
		if eds[i], err = c.StartEditor(cfg.EditorDir, session, u.AccessToken, u.Username); err != nil {
			return err
		}
		defer eds[i].Close()
		if err := eds[i].Connect(ctx); err != nil {
			return fmt.Errorf("%s's editor: %w", u.Username, err)
		}
	}
	partA, partB := "def solve(nums):\n", "    return sorted(nums)  # "+run+"\n"
	if err := eds[0].SetLanguage(ctx, "python"); err != nil {
		return err
	}
	if err := eds[0].Type(ctx, partA, 0); err != nil {
		return err
	}
	if _, err := eds[1].WaitText(ctx, partA); err != nil {
		return err
	}
	if err := eds[1].Type(ctx, partB, 0); err != nil {
		return err
	}
	var final string
	for _, ed := range eds {
		t, err := ed.WaitText(ctx, partA, partB)
		if err != nil {
			return err
		}
		if final != "" && t != final {
			return fmt.Errorf("the editors did not converge: %q and %q", final, t)
		}
		final = t
	}
	step("editor: both typed, both documents are %q", final)

	// Leave: the frontend puts the latest code, then leaves.
	for i, u := range users {
		if err := c.Snapshot(ctx, u.AccessToken, session, final, "python"); err != nil {
			return fmt.Errorf("%s's snapshot: %w", u.Username, err)
		}
		eds[i].Close()
		if _, err := c.Leave(ctx, u.AccessToken, session); err != nil {
			return fmt.Errorf("%s leaving: %w", u.Username, err)
		}
	}
	s, err := c.Session(ctx, a.AccessToken, session)
	if err != nil {
		return err
	}
	if s.Status != "ended" || s.Code != final {
		return fmt.Errorf("after both left the session is %q with code %q", s.Status, s.Code)
	}
	step("both left; the session ended with the final code")

	// History: one attempt each, with the final code, recorded shortly after.
	var attempts [2]Attempt
	for i, u := range users {
		deadline := time.Now().Add(30 * time.Second)
		for {
			list, err := c.Attempts(ctx, u.AccessToken)
			if err != nil {
				return fmt.Errorf("%s's history: %w", u.Username, err)
			}
			if j := slices.IndexFunc(list, func(at Attempt) bool { return at.SessionID == session }); j >= 0 {
				attempts[i] = list[j]
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s's history has no attempt for session %s after 30 s: %+v", u.Username, session, list)
			}
			time.Sleep(200 * time.Millisecond)
		}
		at := attempts[i]
		if at.Code != final || at.Question.ID != ma.QuestionID || at.Partner.ID != users[1-i].ID || at.Language != "python" {
			return fmt.Errorf("%s's attempt: %+v; want code %q, question %s, partner %s", u.Username, at, final, ma.QuestionID, users[1-i].ID)
		}
	}
	if err := c.expectStatus(ctx, a.AccessToken, http.StatusNotFound, "/history-service-api/attempts/"+attempts[1].ID); err != nil {
		return fmt.Errorf("%s reading %s's attempt: %w", a.Username, b.Username, err)
	}
	step("history: each sees their attempt with the final code, and not the other's")
	return nil
}

// pickCriteria picks a random topic and difficulty the question bank has.
func pickCriteria(ctx context.Context, c *Client, token string) (difficulty, topic string, err error) {
	topics, err := c.Topics(ctx, token)
	if err != nil {
		return "", "", fmt.Errorf("topics: %w", err)
	}
	topics = slices.DeleteFunc(topics, func(t Topic) bool { return t.Count == 0 })
	if len(topics) == 0 {
		return "", "", errors.New("the question bank has no topics: was question-service seeded?")
	}
	for range 20 {
		t := topics[randomInt(len(topics))]
		d := []string{"easy", "medium", "hard"}[randomInt(3)]
		page, err := c.Questions(ctx, token, "topic="+t.Slug+"&difficulty="+d+"&limit=1")
		if err != nil {
			return "", "", fmt.Errorf("questions: %w", err)
		}
		if page.Total > 0 {
			return d, t.Slug, nil
		}
	}
	return "", "", errors.New("found no topic and difficulty with a question")
}

// expectStatus checks that a GET of path (with token, when not "")
// answers want.
func (c *Client) expectStatus(ctx context.Context, token string, want int, path string) error {
	err := c.do(ctx, http.MethodGet, path, token, nil, nil)
	if got := StatusOf(err); got != want {
		if err == nil {
			return fmt.Errorf("GET %s: 2xx, want %d", path, want)
		}
		if got == 0 {
			return err
		}
		return fmt.Errorf("GET %s: %d, want %d: %w", path, got, want, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomInt(n int) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(int64(n)))
	return int(v.Int64())
}

// newUUID is a random (version 4) UUID, the chat's client_id.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return strings.Join([]string{h[:8], h[8:12], h[12:16], h[16:20], h[20:]}, "-")
}
