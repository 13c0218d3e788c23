package attempt

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"time"

	// Zone data inside the binary: images have no /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/internalapi"
)

// Page sizes of a listing.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	// MaxPage bounds offset paging; deeper pages must use the cursor.
	MaxPage = 500
)

// Filter narrows a user's attempts. Zero fields do not filter.
type Filter struct {
	QuestionID uuid.UUID
	SessionID  uuid.UUID // the attempt of one session (a summary links to it)
	Difficulty string
	Topic      string
	// EndedFrom and EndedBefore bound ended_at: From <= ended_at < Before.
	EndedFrom   time.Time
	EndedBefore time.Time
}

// Cursor is the position after the last attempt of a page: attempts are
// ordered by (EndedAt, ID) descending, and the next page holds those
// strictly before it.
type Cursor struct {
	EndedAt time.Time
	ID      uuid.UUID
}

// ListQuery asks for one page of a user's attempts, newest first. Either
// After (keyset) or Page (1-based, kept for the documented page= parameter)
// positions it; a nil After and Page 0 or 1 is the first page.
type ListQuery struct {
	UserID uuid.UUID
	Filter Filter
	Limit  int
	After  *Cursor
	Page   int
	// Offset is how many matching attempts the store skips; the service
	// sets it from Page.
	Offset int
}

// ListPage is one page of attempts and the cursor of the next, if any.
type ListPage struct {
	Items []View
	Next  *Cursor
}

// ErrBadCursor means a cursor string was not made by Encode.
var ErrBadCursor = errors.New("malformed cursor")

// cursorVersion lets the encoding change without misreading old cursors.
const cursorVersion = 1

// Encode makes the opaque string clients pass back as cursor=.
func (c Cursor) Encode() string {
	var b [1 + 8 + 16]byte
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(c.EndedAt.UnixMicro()))
	copy(b[9:], c.ID[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// DecodeCursor reads a string made by Encode.
func DecodeCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 25 || b[0] != cursorVersion {
		return Cursor{}, ErrBadCursor
	}
	micros := int64(binary.BigEndian.Uint64(b[1:9]))
	at := time.UnixMicro(micros).UTC()
	if at.Before(earliest) || at.Year() > 9999 {
		return Cursor{}, ErrBadCursor
	}
	id, err := uuid.FromBytes(b[9:])
	if err != nil {
		return Cursor{}, ErrBadCursor
	}
	return Cursor{EndedAt: at, ID: id}, nil
}

// StatsDays is how many days (today included, in the caller's time zone)
// Stats.ByDay covers: a year, for the dashboard's calendar.
const StatsDays = 365

// MaxTimeZoneLen bounds a time zone name (the longest IANA name is 32).
const MaxTimeZoneLen = 64

// ErrUnknownTimeZone means a time zone name is not in the IANA database.
var ErrUnknownTimeZone = errors.New("unknown time zone")

// ParseTimeZone reads an IANA time zone name such as "Europe/Zurich"; ""
// is UTC. "Local" is refused: the server's own zone means nothing to a
// caller.
func ParseTimeZone(s string) (*time.Location, error) {
	if s == "" || s == "UTC" {
		return time.UTC, nil
	}
	if len(s) > MaxTimeZoneLen || s == "Local" {
		return nil, ErrUnknownTimeZone
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '-' || c == '+'
		if !ok {
			return nil, ErrUnknownTimeZone
		}
	}
	if s[0] == '/' || strings.Contains(s, "..") || strings.Contains(s, "//") {
		return nil, ErrUnknownTimeZone
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, ErrUnknownTimeZone
	}
	return loc, nil
}

// ParseDate reads a calendar day "2006-01-02" as its midnight in loc.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil || d.Before(earliest) || d.Year() > 9999 {
		return time.Time{}, errors.New("must be a date YYYY-MM-DD from 2000 on")
	}
	return d, nil
}

// Stats summarises a user's attempts.
type Stats struct {
	Total             int
	DistinctQuestions int
	// ByDifficulty and ByTopic count only attempts whose question snapshot
	// is known (see SnapshotStatus).
	ByDifficulty map[string]int
	ByTopic      map[string]int
	ByDay        []DayCount // oldest first, StatsDays entries, zero days included
	TimeZone     string
	// CurrentStreak counts the consecutive days with an attempt that end
	// today, or yesterday while today has none yet (the streak is still
	// alive until the day is over). LongestStreak is the longest run ever.
	CurrentStreak int
	LongestStreak int
}

// DayCount is the number of attempts that ended on one local day.
type DayCount struct {
	Date  time.Time // midnight UTC of the local calendar day
	Count int
}

// Totals is what the store counts for Stats; the service shapes it.
type Totals struct {
	Total             int
	DistinctQuestions int
	ByDifficulty      map[string]int
	ByTopic           map[string]int
	ByDay             map[string]int // local day "2006-01-02" → count, every day with attempts, all time
}

// today is the caller's current calendar day, as midnight UTC of that date
// (so day arithmetic never meets a DST change).
func today(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// shapeStats turns store totals into Stats: every difficulty present, one
// entry per day of the window (zero days included) and the streaks.
func shapeStats(t Totals, now time.Time, loc *time.Location) Stats {
	s := Stats{
		Total:             t.Total,
		DistinctQuestions: t.DistinctQuestions,
		ByDifficulty:      make(map[string]int, len(internalapi.Difficulties)),
		ByTopic:           make(map[string]int, len(t.ByTopic)),
		ByDay:             make([]DayCount, 0, StatsDays),
		TimeZone:          loc.String(),
	}
	for _, d := range internalapi.Difficulties {
		s.ByDifficulty[d] = t.ByDifficulty[d]
	}
	for k, n := range t.ByTopic {
		s.ByTopic[k] = n
	}
	end := today(now, loc)
	from := end.AddDate(0, 0, -(StatsDays - 1))
	for i := range StatsDays {
		day := from.AddDate(0, 0, i)
		s.ByDay = append(s.ByDay, DayCount{Date: day, Count: t.ByDay[day.Format(time.DateOnly)]})
	}
	s.CurrentStreak, s.LongestStreak = streaks(t.ByDay, end)
	return s
}

// streaks returns the current and the longest run of consecutive active
// days in days (keys "2006-01-02"), today being the last day.
func streaks(days map[string]int, today time.Time) (current, longest int) {
	active := make([]time.Time, 0, len(days))
	for k, n := range days {
		if n <= 0 {
			continue
		}
		d, err := time.Parse(time.DateOnly, k)
		if err != nil || d.After(today) {
			continue
		}
		active = append(active, d)
	}
	slices.SortFunc(active, func(a, b time.Time) int { return a.Compare(b) })
	run := 0
	for i, d := range active {
		if i > 0 && active[i-1].AddDate(0, 0, 1).Equal(d) {
			run++
		} else {
			run = 1
		}
		longest = max(longest, run)
	}
	if n := len(active); n > 0 {
		last := active[n-1]
		if last.Equal(today) || last.Equal(today.AddDate(0, 0, -1)) {
			current = run
		}
	}
	return current, longest
}
