package attempt

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/validation"
)

func validNew(now time.Time) NewAttempt {
	return NewAttempt{
		SessionID: uuid.New(), UserID: uuid.New(), PartnerID: uuid.New(), QuestionID: uuid.New(),
		Language: "go", Code: "package main", StartedAt: now.Add(-time.Hour), EndedAt: now.Add(-time.Minute),
	}
}

func TestNewAttemptValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		mut    func(*NewAttempt)
		fields []string // invalid fields expected; nil means valid
		tooBig bool
	}{
		{"a complete attempt is valid", func(*NewAttempt) {}, nil, false},
		{"empty code is valid", func(n *NewAttempt) { n.Code = "" }, nil, false},
		{"code of exactly 100 KiB is valid", func(n *NewAttempt) { n.Code = strings.Repeat("x", MaxCodeBytes) }, nil, false},
		{"code over 100 KiB is too large", func(n *NewAttempt) { n.Code = strings.Repeat("x", MaxCodeBytes+1) }, nil, true},
		{"ended_at equal to started_at is valid", func(n *NewAttempt) { n.EndedAt = n.StartedAt }, nil, false},
		{"ended_at before started_at is invalid", func(n *NewAttempt) { n.EndedAt = n.StartedAt.Add(-time.Second) }, []string{"ended_at"}, false},
		{"unsupported language is invalid", func(n *NewAttempt) { n.Language = "rust" }, []string{"language"}, false},
		{"language is case sensitive", func(n *NewAttempt) { n.Language = "Go" }, []string{"language"}, false},
		{"missing ids are each named", func(n *NewAttempt) { n.SessionID, n.QuestionID = uuid.Nil, uuid.Nil }, []string{"session_id", "question_id"}, false},
		{"partner equal to user is invalid", func(n *NewAttempt) { n.PartnerID = n.UserID }, []string{"partner_id"}, false},
		{"missing times are invalid", func(n *NewAttempt) { n.StartedAt, n.EndedAt = time.Time{}, time.Time{} }, []string{"started_at", "ended_at"}, false},
		{"a time far in the future is invalid", func(n *NewAttempt) { n.EndedAt = now.AddDate(1, 0, 0) }, []string{"ended_at"}, false},
		{"a time before 2000 is invalid", func(n *NewAttempt) { n.StartedAt = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) }, []string{"started_at"}, false},
		{"slight clock skew into the future is valid", func(n *NewAttempt) { n.EndedAt = now.Add(time.Minute) }, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := validNew(now)
			tc.mut(&n)
			err := n.Validate(now)
			if tc.tooBig {
				if !errors.Is(err, ErrCodeTooLarge) {
					t.Fatalf("err = %v, want ErrCodeTooLarge", err)
				}
				return
			}
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			var ve *validation.Error
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			got := map[string]bool{}
			for _, f := range ve.Fields {
				got[f.Field] = true
			}
			for _, f := range tc.fields {
				if !got[f] {
					t.Errorf("field %s not reported in %v", f, ve)
				}
			}
			if len(got) != len(tc.fields) {
				t.Errorf("reported %v, want only %v", ve, tc.fields)
			}
		})
	}
}

func TestNormalizedKeepsCodeStorable(t *testing.T) {
	t.Parallel()
	n := NewAttempt{Code: "a\x00b\xffc", StartedAt: time.Date(2026, 1, 1, 0, 0, 0, 1999, time.FixedZone("x", 3600))}
	got := n.normalized()
	if got.Code != "a\uFFFDb\uFFFDc" {
		t.Fatalf("code = %q", got.Code)
	}
	if got.StartedAt.Location() != time.UTC || got.StartedAt.Nanosecond() != 1000 {
		t.Fatalf("started_at = %v", got.StartedAt)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := Cursor{EndedAt: time.Date(2026, 11, 23, 10, 0, 0, 123456000, time.UTC), ID: uuid.New()}
	got, err := DecodeCursor(c.Encode())
	if err != nil || !got.EndedAt.Equal(c.EndedAt) || got.ID != c.ID {
		t.Fatalf("round trip: %+v %v, want %+v", got, err, c)
	}
	for _, bad := range []string{"", "x", "AAAA", "!!!!", c.Encode() + "A", strings.Repeat("A", 34)} {
		if _, err := DecodeCursor(bad); !errors.Is(err, ErrBadCursor) {
			t.Errorf("DecodeCursor(%q) = %v, want ErrBadCursor", bad, err)
		}
	}
}

func TestListQueryValidate(t *testing.T) {
	t.Parallel()
	cur := &Cursor{EndedAt: time.Now(), ID: uuid.New()}
	cases := []struct {
		name  string
		q     ListQuery
		field string
	}{
		{"defaults are valid", ListQuery{Limit: 20}, ""},
		{"limit over the maximum is invalid", ListQuery{Limit: MaxLimit + 1}, "limit"},
		{"difficulty outside the set is invalid", ListQuery{Limit: 20, Filter: Filter{Difficulty: "extreme"}}, "difficulty"},
		{"topic with spaces is invalid", ListQuery{Limit: 20, Filter: Filter{Topic: "dynamic programming"}}, "topic"},
		{"topic slug is valid", ListQuery{Limit: 20, Filter: Filter{Topic: "dynamic-programming"}}, ""},
		{"page with cursor is invalid", ListQuery{Limit: 20, Page: 2, After: cur}, "page"},
		{"page beyond the maximum is invalid", ListQuery{Limit: 20, Page: MaxPage + 1}, "page"},
		{"a date range is valid", ListQuery{Limit: 20, Filter: Filter{EndedFrom: cur.EndedAt.Add(-time.Hour), EndedBefore: cur.EndedAt}}, ""},
		{"a range ending before it starts is invalid", ListQuery{Limit: 20, Filter: Filter{EndedFrom: cur.EndedAt, EndedBefore: cur.EndedAt.Add(-time.Hour)}}, "to"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.q.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			var ve *validation.Error
			if !errors.As(err, &ve) || ve.Fields[0].Field != tc.field {
				t.Fatalf("err = %v, want field %s", err, tc.field)
			}
		})
	}
}

func TestShapeStatsFillsEveryDay(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 0, 30, 0, 0, time.UTC)
	s := shapeStats(Totals{
		Total: 3, DistinctQuestions: 2,
		ByDifficulty: map[string]int{"easy": 2},
		ByTopic:      map[string]int{"graph": 1},
		ByDay:        map[string]int{"2026-11-23": 2, "2025-11-24": 1, "2025-11-23": 7},
	}, now, time.UTC)
	if len(s.ByDay) != StatsDays {
		t.Fatalf("%d days, want %d", len(s.ByDay), StatsDays)
	}
	first, last := s.ByDay[0], s.ByDay[StatsDays-1]
	if first.Date.Format(time.DateOnly) != "2025-11-24" || first.Count != 1 {
		t.Errorf("first day %v", first)
	}
	if last.Date.Format(time.DateOnly) != "2026-11-23" || last.Count != 2 {
		t.Errorf("last day %v", last)
	}
	zero := 0
	for _, d := range s.ByDay {
		if d.Count == 0 {
			zero++
		}
	}
	if zero != StatsDays-2 {
		t.Errorf("%d zero days, want %d (a day before the window must not count)", zero, StatsDays-2)
	}
	if s.ByDifficulty["medium"] != 0 || s.ByDifficulty["easy"] != 2 || len(s.ByDifficulty) != 3 {
		t.Errorf("by difficulty %v", s.ByDifficulty)
	}
}

func TestShapeStatsEndsOnTheCallersToday(t *testing.T) {
	t.Parallel()
	// 23:30 UTC on the 22nd is already the 23rd in Tokyo and still the 22nd in New York.
	now := time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC)
	for _, tc := range []struct{ zone, today string }{
		{"Asia/Tokyo", "2026-11-23"}, {"America/New_York", "2026-11-22"}, {"UTC", "2026-11-22"},
	} {
		loc, err := ParseTimeZone(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		s := shapeStats(Totals{ByDay: map[string]int{}}, now, loc)
		if got := s.ByDay[StatsDays-1].Date.Format(time.DateOnly); got != tc.today || s.TimeZone != tc.zone {
			t.Errorf("%s: last day %s zone %s, want %s", tc.zone, got, s.TimeZone, tc.today)
		}
	}
}

func TestStreaks(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name             string
		days             []string
		current, longest int
	}{
		{"no attempts is no streak", nil, 0, 0},
		{"today alone is a streak of one", []string{"2026-03-02"}, 1, 1},
		{"a run ending yesterday is still current", []string{"2026-02-28", "2026-03-01"}, 2, 2},
		{"a run ending two days ago is over", []string{"2026-02-27", "2026-02-28"}, 0, 2},
		{"runs cross month ends", []string{"2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"}, 4, 4},
		{"the longest run may be long ago", []string{"2025-01-01", "2025-01-02", "2025-01-03", "2026-03-02"}, 1, 3},
		{"leap day counts", []string{"2024-02-28", "2024-02-29", "2024-03-01"}, 0, 3},
		{"days after today are ignored", []string{"2026-03-02", "2026-03-03"}, 1, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			days := map[string]int{"2020-05-05": 0} // a zero count is no activity
			for _, d := range tc.days {
				days[d] = 2
			}
			cur, long := streaks(days, today)
			if cur != tc.current || long != tc.longest {
				t.Errorf("streaks = %d, %d; want %d, %d", cur, long, tc.current, tc.longest)
			}
		})
	}
}

func TestParseTimeZone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // "" means refused
	}{
		{"", "UTC"}, {"UTC", "UTC"}, {"Europe/Zurich", "Europe/Zurich"}, {"America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"},
		{"Etc/GMT+5", "Etc/GMT+5"}, {"Asia/Kathmandu", "Asia/Kathmandu"},
		{"Local", ""}, {"Mars/Olympus", ""}, {"../../etc/passwd", ""}, {"/etc/localtime", ""},
		{"Europe/Zurich ", ""}, {"+05:00", ""}, {strings.Repeat("A", MaxTimeZoneLen+1), ""},
	} {
		loc, err := ParseTimeZone(tc.in)
		switch {
		case tc.want == "" && !errors.Is(err, ErrUnknownTimeZone):
			t.Errorf("ParseTimeZone(%q) = %v, %v; want ErrUnknownTimeZone", tc.in, loc, err)
		case tc.want != "" && (err != nil || loc.String() != tc.want):
			t.Errorf("ParseTimeZone(%q) = %v, %v; want %s", tc.in, loc, err, tc.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	zurich, _ := ParseTimeZone("Europe/Zurich")
	d, err := ParseDate("2026-07-01", zurich)
	if err != nil || !d.Equal(time.Date(2026, 6, 30, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseDate in Zurich = %v, %v; want 22:00 UTC the day before", d, err)
	}
	for _, bad := range []string{"2026-02-30", "2026-7-1", "1999-12-31", "20260701", "2026-07-01T00:00:00Z", ""} {
		if _, err := ParseDate(bad, time.UTC); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}

// FuzzParseTimeZone: any input is either refused or a zone whose name
// round-trips; never a panic and never the server's Local zone.
func FuzzParseTimeZone(f *testing.F) {
	for _, s := range []string{"", "UTC", "Europe/Zurich", "Local", "../x", "Etc/GMT-14", "\x00", "America//New_York"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := ParseTimeZone(s)
		if err != nil {
			return
		}
		if loc == time.Local && loc != time.UTC {
			t.Fatalf("%q gave the Local zone", s)
		}
		again, err := ParseTimeZone(loc.String())
		if err != nil || again.String() != loc.String() {
			t.Fatalf("%q → %q does not round-trip: %v", s, loc, err)
		}
	})
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	t.Parallel()
	s := NewService(nil, nil, nil, Options{RetryBase: time.Second, RetryMax: 8 * time.Second})
	for _, tc := range []struct {
		tries    int
		min, max time.Duration
	}{{1, 500 * time.Millisecond, time.Second}, {3, 2 * time.Second, 4 * time.Second}, {10, 4 * time.Second, 8 * time.Second}, {100, 4 * time.Second, 8 * time.Second}} {
		for range 50 {
			if d := s.backoff(tc.tries); d < tc.min || d > tc.max {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tc.tries, d, tc.min, tc.max)
			}
		}
	}
}
