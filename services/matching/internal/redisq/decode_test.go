package redisq

import (
	"testing"
)

// FuzzDecodeTicket: whatever a ticket hash or event holds, decoding never
// panics and a decoded ticket has an id, a user and a known status.
func FuzzDecodeTicket(f *testing.F) {
	f.Add("t1", "u1", "queued", "12", "3", "matched")
	f.Add("t1", "u1", "pairing", "x", "-1", "")
	f.Add("", "", "", "", "", "")
	f.Add("t", "u", "bogus", "99999999999999999999", "1", "failed")
	f.Fuzz(func(t *testing.T, id, user, status, seq, ver, other string) {
		tk, err := decodeTicket(map[string]string{"id": id, "user": user, "status": status, "seq": seq, "ver": ver,
			"queued_at": seq, "expires_at": ver, "match_id": other, "reason": other})
		if err != nil {
			return
		}
		if tk.ID == "" || tk.UserID == "" {
			t.Fatalf("decoded %+v", tk)
		}
		switch tk.Status {
		case "queued", "matched", "timeout", "cancelled", "failed":
		default:
			t.Fatalf("status %q", tk.Status)
		}
		if (tk.Match != nil) != (tk.Status == "matched") {
			t.Fatalf("match %+v with status %s", tk.Match, tk.Status)
		}
	})
}
