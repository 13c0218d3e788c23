package httpapi

import (
	"testing"
)

// FuzzAuthRequests throws arbitrary bodies at signup and login: the answer is
// never a 5xx and never a panic.
func FuzzAuthRequests(f *testing.F) {
	for _, s := range []string{
		`{"username":"fuzz_user","email":"f@example.com","password":"Fuzzing-is-fun-1"}`,
		`{"identifier":"fuzz_user","password":"x"}`,
		`{"username":"\u0000","email":"@","password":"\ud800"}`,
		`{"identifier":` + `"` + string(make([]byte, 300)) + `"}`,
		`[]`, `null`, `{"password":12}`, `{"username":"a","username":"b"}`, ``,
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	h := newEnv(f).replica(f)
	f.Fuzz(func(t *testing.T, body string, isSignup bool) {
		path := "/auth/login"
		if isSignup {
			path = "/auth/signup"
		}
		r := call(t, h, "POST", path, body)
		if r.Code >= 500 {
			t.Fatalf("%s %q: %d %s", path, body, r.Code, r.Raw)
		}
		if r.Code >= 400 && r.errCode() == "" {
			t.Fatalf("%s %q: error without the JSON shape: %s", path, body, r.Raw)
		}
	})
}
