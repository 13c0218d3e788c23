package httpapi

import (
	"net/http/httptest"
	"testing"
)

func TestOriginAllowed(t *testing.T) {
	t.Parallel()
	a := &API{origins: []string{"https://app.peerprep.dev", "*.preview.peerprep.dev"}}
	for _, tc := range []struct {
		name, host, origin string
		ok                 bool
	}{
		{"no origin (not a browser) is allowed", "chat.internal", "", true},
		{"the same host is allowed", "peerprep.dev", "https://peerprep.dev", true},
		{"an allowed origin is allowed", "api.peerprep.dev", "https://app.peerprep.dev", true},
		{"the allowed host on another scheme is refused", "api.peerprep.dev", "http://app.peerprep.dev", false},
		{"a host pattern is allowed", "api.peerprep.dev", "https://pr-7.preview.peerprep.dev", true},
		{"another site is refused", "peerprep.dev", "https://evil.example", false},
		{"a malformed origin is refused", "peerprep.dev", "null", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "http://"+tc.host+"/chat-service-api/rooms/x/ws", nil)
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if got := a.originAllowed(r); got != tc.ok {
				t.Fatalf("originAllowed = %v", got)
			}
		})
	}
}
