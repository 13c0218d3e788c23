package devenv

import (
	"slices"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

func TestCloudMapAnswersReadyInstances(t *testing.T) {
	t.Parallel()
	user := Service{Name: "user", Port: 8101}
	user2 := user
	user2.Host = "127.0.0.2"
	var mu sync.Mutex
	down := map[string]bool{}
	cm, err := startCloudMap("127.0.0.1:0", "t.peerprep.local", []Service{user, user2}, func(s Service) bool {
		mu.Lock()
		defer mu.Unlock()
		return !down[s.IP()]
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cm.close)
	ask := func(name string) ([]string, int) {
		t.Helper()
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		in, err := dns.Exchange(m, cm.addr)
		if err != nil {
			t.Fatal(err)
		}
		var ips []string
		for _, rr := range in.Answer {
			a := rr.(*dns.A)
			if a.Hdr.Ttl != cloudMapTTL {
				t.Errorf("TTL %d", a.Hdr.Ttl)
			}
			ips = append(ips, a.A.String())
		}
		slices.Sort(ips)
		return ips, in.Rcode
	}
	const name = "user-service.t.peerprep.local."
	if ips, _ := ask(name); !slices.Equal(ips, []string{"127.0.0.1", "127.0.0.2"}) {
		t.Errorf("both ready: %v", ips)
	}
	mu.Lock()
	down["127.0.0.2"] = true // draining
	mu.Unlock()
	if ips, _ := ask(name); !slices.Equal(ips, []string{"127.0.0.1"}) {
		t.Errorf("second draining: %v, want only the first", ips)
	}
	mu.Lock()
	down["127.0.0.1"] = true
	mu.Unlock()
	if ips, _ := ask(name); len(ips) != 2 {
		t.Errorf("none ready: %v, want every instance (fail open)", ips)
	}
	if _, rcode := ask("chat-service.t.peerprep.local."); rcode != dns.RcodeNameError {
		t.Errorf("unknown name: rcode %d, want NXDOMAIN", rcode)
	}
}
