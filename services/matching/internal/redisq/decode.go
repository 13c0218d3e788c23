package redisq

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/peerprep/peerprep/services/matching/internal/match"
	"github.com/peerprep/peerprep/services/matching/internal/setup"
)

func outcomeTicket(res []any) (string, match.Ticket, error) {
	if len(res) != 2 {
		return "", match.Ticket{}, errors.New("script: unexpected reply")
	}
	outcome, _ := res[0].(string)
	fields, _ := res[1].([]any)
	t, err := decodeTicket(pairsToMap(fields))
	return outcome, t, err
}

func pairsToMap(flat []any) map[string]string {
	m := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		v, _ := flat[i+1].(string)
		m[k] = v
	}
	return m
}

// decodeTicket turns a ticket hash (or an event, which is a copy of it)
// into a match.Ticket.
func decodeTicket(f map[string]string) (match.Ticket, error) {
	if f["id"] == "" || f["user"] == "" {
		return match.Ticket{}, errors.New("ticket: missing id or user")
	}
	num := func(k string) int64 { n, _ := strconv.ParseInt(f[k], 10, 64); return n }
	t := match.Ticket{
		ID:     f["id"],
		UserID: f["user"],
		Criteria: match.Criteria{
			Difficulty: f["difficulty"], Topic: f["topic"], Language: f["language"],
			// Tickets queued before modes existed have none: practise.
			Mode: cmp.Or(f["mode"], match.ModePractise), StartAsInterviewer: f["interviewer"] == "1",
		},
		QueuedAt:  time.UnixMilli(num("queued_at")).UTC(),
		ExpiresAt: time.UnixMilli(num("expires_at")).UTC(),
		Relaxed:   f["relaxed"] == "1",
		Epoch:     num("epoch"),
		Seq:       num("seq"),
		Version:   num("ver"),
	}
	switch st := f["status"]; st {
	case "pairing":
		t.Status, t.Pairing = match.StatusQueued, true
	case "queued", "matched", "timeout", "cancelled", "failed":
		t.Status = match.Status(st)
	default:
		return match.Ticket{}, fmt.Errorf("ticket: unknown status %q", st)
	}
	if t.Status == match.StatusMatched {
		t.Match = &match.MatchInfo{
			ID: f["match_id"], SessionID: f["session_id"], QuestionID: f["question_id"],
			Partner: match.Partner{ID: f["partner_id"], Username: f["partner_name"]},
			Role:    f["role"],
		}
	}
	if t.Status == match.StatusFailed {
		t.Reason = f["reason"]
	}
	return t, nil
}

// decodeMatch turns a match hash into a setup.Match.
func decodeMatch(f map[string]string) setup.Match {
	created, _ := strconv.ParseInt(f["created_at"], 10, 64)
	var queued [2]time.Time
	for i, k := range []string{"queued_a", "queued_b"} {
		if ms, _ := strconv.ParseInt(f[k], 10, 64); ms > 0 { // absent in matches made before it was kept
			queued[i] = time.UnixMilli(ms).UTC()
		}
	}
	return setup.Match{
		ID:               f["id"],
		TicketIDs:        [2]string{f["ticket_a"], f["ticket_b"]},
		UserIDs:          [2]string{f["user_a"], f["user_b"]},
		Topic:            f["topic"],
		Difficulty:       f["difficulty"],
		Language:         f["language"],
		CreatedAt:        time.UnixMilli(created).UTC(),
		QueuedAt:         queued,
		Status:           f["status"],
		QuestionID:       f["question_id"],
		Mode:             cmp.Or(f["mode"], match.ModePractise),
		WantsInterviewer: [2]bool{f["interviewer_a"] == "1", f["interviewer_b"] == "1"},
	}
}

func toJobs(msgs []redis.XMessage) []setup.Job {
	jobs := make([]setup.Job, 0, len(msgs))
	for _, m := range msgs {
		id, _ := m.Values["match"].(string)
		jobs = append(jobs, setup.Job{EntryID: m.ID, MatchID: id})
	}
	return jobs
}
