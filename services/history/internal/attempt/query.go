package attempt

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/google/uuid"
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

// StatsDays is how many days (today included, UTC) Stats.ByDay covers.
const StatsDays = 30

// Stats summarises a user's attempts.
type Stats struct {
	Total             int
	DistinctQuestions int
	// ByDifficulty and ByTopic count only attempts whose question snapshot
	// is known (see SnapshotStatus).
	ByDifficulty map[string]int
	ByTopic      map[string]int
	ByDay        []DayCount // oldest first, StatsDays entries, zero days included
}

// DayCount is the number of attempts that ended on one UTC day.
type DayCount struct {
	Date  time.Time // midnight UTC
	Count int
}

// Totals is what the store counts for Stats; the service shapes it.
type Totals struct {
	Total             int
	DistinctQuestions int
	ByDifficulty      map[string]int
	ByTopic           map[string]int
	ByDay             map[string]int // UTC day "2006-01-02" → count, days with attempts only
}

// statsWindow returns the first day (midnight UTC) Stats.ByDay covers at now.
func statsWindow(now time.Time) time.Time {
	today := now.UTC().Truncate(24 * time.Hour)
	return today.AddDate(0, 0, -(StatsDays - 1))
}

// shapeStats turns store totals into Stats: every difficulty present, and
// one entry per day of the window, zero days included.
func shapeStats(t Totals, now time.Time) Stats {
	s := Stats{
		Total:             t.Total,
		DistinctQuestions: t.DistinctQuestions,
		ByDifficulty:      make(map[string]int, len(difficulties)),
		ByTopic:           make(map[string]int, len(t.ByTopic)),
		ByDay:             make([]DayCount, 0, StatsDays),
	}
	for _, d := range difficulties {
		s.ByDifficulty[d] = t.ByDifficulty[d]
	}
	for k, n := range t.ByTopic {
		s.ByTopic[k] = n
	}
	from := statsWindow(now)
	for i := range StatsDays {
		day := from.AddDate(0, 0, i)
		s.ByDay = append(s.ByDay, DayCount{Date: day, Count: t.ByDay[day.Format(time.DateOnly)]})
	}
	return s
}
