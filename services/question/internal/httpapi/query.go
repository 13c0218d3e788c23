package httpapi

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/peerprep/peerprep/libs/httperr"
	"github.com/peerprep/peerprep/services/question/internal/question"
)

// maxListValues bounds how many topic or exclude values a query may carry
// before any is looked at.
const maxListValues = question.MaxExclude

// parseID reads the {id} path segment: a UUID or a slug.
func parseID(raw string) (question.Ref, error) {
	ref, ok := question.ParseRef(raw)
	if !ok {
		return ref, httperr.Validation(httperr.FieldError{Field: "id", Message: "must be a question UUID or slug"})
	}
	return ref, nil
}

// parseListQuery reads GET /questions?difficulty=&topic=&q=&page=&limit=.
// Empty values mean "not given"; the service checks the values themselves.
func parseListQuery(v url.Values) (question.Filter, error) {
	if err := checkParams(v, []string{"difficulty", "q", "page", "limit"}, []string{"topic"}); err != nil {
		return question.Filter{}, err
	}
	topics, err := splitList(v, "topic")
	if err != nil {
		return question.Filter{}, err
	}
	return question.Filter{
		Difficulty: question.Difficulty(v.Get("difficulty")),
		Topics:     topics,
		Query:      strings.TrimSpace(v.Get("q")),
		Page:       parseInt(v.Get("page"), 1),
		Limit:      parseInt(v.Get("limit"), question.DefaultLimit),
	}, nil
}

// parseRandomQuery reads GET /questions/random?difficulty=&topic=&exclude=.
func parseRandomQuery(v url.Values) (question.RandomFilter, error) {
	if err := checkParams(v, []string{"difficulty"}, []string{"topic", "exclude"}); err != nil {
		return question.RandomFilter{}, err
	}
	topics, err := splitList(v, "topic")
	if err != nil {
		return question.RandomFilter{}, err
	}
	raw, err := splitList(v, "exclude")
	if err != nil {
		return question.RandomFilter{}, err
	}
	var (
		exclude []question.Ref
		bad     []httperr.FieldError
	)
	for _, s := range raw {
		ref, ok := question.ParseRef(s)
		if !ok {
			if len(bad) < 10 {
				bad = append(bad, httperr.FieldError{Field: "exclude", Message: quote(s) + " is not a question UUID or slug"})
			}
			continue
		}
		exclude = append(exclude, ref)
	}
	if len(bad) > 0 {
		return question.RandomFilter{}, httperr.Validation(bad...)
	}
	return question.RandomFilter{
		Difficulty: question.Difficulty(v.Get("difficulty")),
		Topics:     topics,
		Exclude:    exclude,
	}, nil
}

// checkParams rejects parameters the route does not know (a typo would
// otherwise silently widen the result) and repeats of single-valued ones.
func checkParams(v url.Values, single, multi []string) error {
	var bad []httperr.FieldError
	for _, k := range sortedKeys(v) {
		switch {
		case slices.Contains(multi, k):
		case slices.Contains(single, k):
			if len(v[k]) > 1 {
				bad = append(bad, httperr.FieldError{Field: k, Message: "must be given once"})
			}
		default:
			if len(bad) < 10 {
				bad = append(bad, httperr.FieldError{Field: quote(k), Message: "is not a known parameter (want " + strings.Join(append(single, multi...), ", ") + ")"})
			}
		}
	}
	if len(bad) > 0 {
		return httperr.Validation(bad...)
	}
	return nil
}

// splitList gathers a parameter given repeatedly and/or as a comma list,
// dropping empty items.
func splitList(v url.Values, key string) ([]string, error) {
	var out []string
	for _, raw := range v[key] {
		for item := range strings.SplitSeq(raw, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
			if len(out) > maxListValues {
				return nil, httperr.Validation(httperr.FieldError{Field: key, Message: fmt.Sprintf("must have at most %d items", maxListValues)})
			}
		}
	}
	return out, nil
}

// parseInt reads a whole number; "" gives def and anything unreadable -1,
// which the service's range check rejects with the right message.
func parseInt(s string, def int) int {
	if s = strings.TrimSpace(s); s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// quote shows a caller's value in a message, cut short.
func quote(s string) string {
	if len(s) > 40 {
		s = strings.ToValidUTF8(s[:40], "") + "…"
	}
	return strconv.Quote(s)
}
