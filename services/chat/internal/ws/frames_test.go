package ws

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/peerprep/peerprep/services/chat/internal/chat"
)

const cid = "5e3c8a2b-1f4d-4c6e-8a9b-0c1d2e3f4a5b"

func TestParseClientFrame(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, frame, code string
	}{
		{"a message parses", `{"type":"message","client_id":"` + cid + `","text":"hello"}`, ""},
		{"whitespace around the object is fine", " \n{\"type\":\"message\",\"client_id\":\"" + cid + "\",\"text\":\"hi\"}\n", ""},
		{"escaped newline and tab are fine", `{"type":"message","client_id":"` + cid + `","text":"a\n\tb"}`, ""},
		{"not JSON is an invalid frame", `hello`, CodeInvalidFrame},
		{"empty is an invalid frame", ``, CodeInvalidFrame},
		{"a string is an invalid frame", `"message"`, CodeInvalidFrame},
		{"null is an invalid frame", `null`, CodeInvalidFrame},
		{"trailing data is an invalid frame", `{"type":"message"}x`, CodeInvalidFrame},
		{"an unknown field is an invalid frame", `{"type":"message","client_id":"` + cid + `","text":"hi","x":1}`, CodeInvalidFrame},
		{"a number as type is an invalid frame", `{"type":1}`, CodeInvalidFrame},
		{"another type is unsupported", `{"type":"ping"}`, CodeUnsupportedType},
		{"a missing client id fails validation", `{"type":"message","text":"hi"}`, CodeValidationFailed},
		{"an escaped control character fails validation", `{"type":"message","client_id":"` + cid + `","text":"\u0000"}`, CodeValidationFailed},
		{"2001 characters fail validation", `{"type":"message","client_id":"` + cid + `","text":"` + strings.Repeat("x", 2001) + `"}`, CodeValidationFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseClientFrame([]byte(tc.frame))
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code != "" && (err == nil || err.Code != tc.code):
				t.Fatalf("got %+v, %v; want code %s", f, err, tc.code)
			}
		})
	}
}

// FuzzParseClientFrame: no input panics; what is accepted is a valid
// message; what is refused says why in an error frame of the right shape.
func FuzzParseClientFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"message","client_id":"` + cid + `","text":"hello"}`,
		`{"type":"message","client_id":"` + strings.ToUpper(cid) + `","text":"\ud83d\ude42 \u00e9\n\t"}`,
		`{"type":"message","client_id":"` + cid + `","text":"\ud800"}`,
		`{"type":"message","client_id":"` + cid + `","text":"` + strings.Repeat("ü", 2000) + `"}`,
		`{"type":"message","client_id":"` + cid + `","text":"a\u0007"}`,
		`{"type":"message","type":"other"}`, `{"type":"message","client_id":null,"text":null}`,
		`{}`, `[]`, `null`, `""`, `{"type":"message"`, "\xff\xfe", `{"type":"message","text":"` + "\x00" + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, ferr := ParseClientFrame(data)
		if ferr != nil {
			if ferr.Code == "" || ferr.Message == "" {
				t.Fatalf("error without code or message: %+v", ferr)
			}
			var back map[string]any
			if err := json.Unmarshal(errorBytes(ferr), &back); err != nil || back["type"] != "error" {
				t.Fatalf("error frame is not JSON: %s", errorBytes(ferr))
			}
			return
		}
		if fr.Type != "message" || !chat.IsUUID(fr.ClientID) || fr.ClientID != strings.ToLower(fr.ClientID) {
			t.Fatalf("accepted %+v", fr)
		}
		if err := chat.ValidateText(fr.Text); err != nil || !utf8.ValidString(fr.Text) {
			t.Fatalf("accepted invalid text %q: %v", fr.Text, err)
		}
	})
}

func TestMessageFrameShape(t *testing.T) {
	t.Parallel()
	m := chat.Message{ID: chat.ID{Ms: 1700000000000, Seq: 1}, ClientID: cid, UserID: "u", Username: "alice", Text: "<b>&"}
	var got map[string]any
	if err := json.Unmarshal(messageBytes(m), &got); err != nil {
		t.Fatal(err)
	}
	from, _ := got["from"].(map[string]any)
	if got["type"] != "message" || got["id"] != "1700000000000-1" || got["client_id"] != cid ||
		from["id"] != "u" || from["username"] != "alice" || got["text"] != "<b>&" || got["sent_at"] != "0001-01-01T00:00:00.000Z" {
		t.Fatalf("frame %v", got)
	}
}
