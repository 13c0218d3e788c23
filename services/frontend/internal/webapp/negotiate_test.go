package webapp

import (
	"testing"
)

func all(Encoding) bool { return true }

func TestNegotiate(t *testing.T) {
	t.Parallel()
	only := func(es ...Encoding) func(Encoding) bool {
		return func(e Encoding) bool {
			for _, x := range es {
				if x == e {
					return true
				}
			}
			return false
		}
	}
	cases := []struct {
		name      string
		header    string
		available func(Encoding) bool
		want      Encoding
	}{
		{"no header means identity", "", all, Identity},
		{"a browser gets brotli", "gzip, deflate, br, zstd", all, Brotli},
		{"gzip when brotli is not offered", "gzip, deflate", all, Gzip},
		{"gzip when the file has no brotli copy", "gzip, br", only(Gzip), Gzip},
		{"identity when the file has no copies", "gzip, br", only(), Identity},
		{"higher weight wins", "br;q=0.5, gzip;q=0.9", all, Gzip},
		{"q=0 refuses a coding", "br;q=0, gzip", all, Gzip},
		{"identity preferred outright", "br;q=0.5, identity", all, Identity},
		{"a tie goes to compression", "gzip, identity", all, Gzip},
		{"star covers the codings", "*", all, Brotli},
		{"star with exclusions", "*;q=0.5, br;q=0", all, Gzip},
		{"x-gzip is gzip", "x-gzip", all, Gzip},
		{"upper case and spaces", " GZIP ; Q=1 ", all, Gzip},
		{"malformed weight never selects", "br;q=abc, gzip;q=2", all, Identity},
		{"identity refused still gets identity", "identity;q=0", all, Identity},
		{"deflate only", "deflate", all, Identity},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Negotiate(tc.header, tc.available); got != tc.want {
				t.Fatalf("Negotiate(%q) = %s, want %s", tc.header, got.Token(), tc.want.Token())
			}
		})
	}
}

func TestAcceptsHTML(t *testing.T) {
	t.Parallel()
	cases := []struct {
		accept []string
		want   bool
	}{
		{[]string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, true},
		{[]string{"application/json"}, false},
		{[]string{"*/*"}, false},
		{nil, false},
		{[]string{"TEXT/HTML"}, true},
		{[]string{"text/html;q=0"}, false},
		{[]string{"text/html;q=0.000"}, false},
		{[]string{"text/html; q=0.1"}, true},
		{[]string{"application/json", "text/html"}, true},
	}
	for _, tc := range cases {
		if got := AcceptsHTML(tc.accept); got != tc.want {
			t.Errorf("AcceptsHTML(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}

// FuzzNegotiate: any header picks a coding the file has, without panicking.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "gzip, br", "br;q=0.5, gzip;q=0.9", "*;q=0", "identity;q=0, *;q=0", ";;,,q=", "gzip;q=1e309"} {
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, header string, mask uint8) {
		has := func(e Encoding) bool { return e == Identity || mask&(1<<uint(e)) != 0 }
		if got := Negotiate(header, has); !has(got) {
			t.Fatalf("Negotiate(%q) = %s, which the file does not have", header, got.Token())
		}
		_ = AcceptsHTML([]string{header})
	})
}
