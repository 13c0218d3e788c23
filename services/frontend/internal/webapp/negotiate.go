package webapp

import (
	"strconv"
	"strings"
)

// Encoding is a content coding the site has copies in.
type Encoding int

const (
	Identity Encoding = iota
	Brotli
	Gzip
)

// Token is the coding's name in Accept-Encoding and Content-Encoding.
func (e Encoding) Token() string {
	switch e {
	case Brotli:
		return "br"
	case Gzip:
		return "gzip"
	}
	return "identity"
}

func (e Encoding) suffix() string {
	switch e {
	case Brotli:
		return ".br"
	case Gzip:
		return ".gz"
	}
	return ""
}

// Negotiate picks the coding for an Accept-Encoding header among those
// available: the highest q-value wins, brotli before gzip before identity
// on a tie (smaller first), and identity when nothing compressed is
// acceptable. Identity is always available, so a client refusing it
// ("identity;q=0") still gets the plain bytes rather than a 406.
func Negotiate(header string, available func(Encoding) bool) Encoding {
	q := map[string]float64{}
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "x-gzip" { // the old name (RFC 9110 §8.4.1.3)
			name = "gzip"
		}
		if name == "" {
			continue
		}
		if w, seen := q[name]; !seen || weight(params) > w {
			q[name] = weight(params)
		}
	}
	weightOf := func(token string) float64 {
		if w, ok := q[token]; ok {
			return w
		}
		if w, ok := q["*"]; ok {
			return w
		}
		return 0
	}
	// Identity is always acceptable to us (see above), but unless the
	// client weighs it explicitly it loses to any coding it accepts; a
	// weighed identity wins only when preferred outright, never on a tie.
	idQ := 0.0
	if w, ok := q["identity"]; ok {
		idQ = w
	} else if w, ok := q["*"]; ok {
		idQ = w
	}
	best, bestQ := Identity, idQ
	for _, e := range []Encoding{Brotli, Gzip} {
		w := weightOf(e.Token())
		if w > 0 && available(e) && (w > bestQ || (w == bestQ && best == Identity)) {
			best, bestQ = e, w
		}
	}
	return best
}

// AcceptsHTML reports whether Accept header values ask for HTML (a
// browser navigation): text/html with a weight above zero.
func AcceptsHTML(accept []string) bool {
	for _, v := range accept {
		for part := range strings.SplitSeq(v, ",") {
			media, params, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(media), "text/html") && weight(params) > 0 {
				return true
			}
		}
	}
	return false
}

// weight is the q parameter of one list member's parameters ("q=0.5;
// level=1"): 1 when absent, 0 when malformed, so a broken weight never
// selects anything.
func weight(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f < 0 || f > 1 {
			return 0
		}
		return f
	}
	return 1
}
