package main

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/servicetest"
)

// TestLoginLimitAcrossInstances is the hostile rerun of issue 17 item 1
// through two real instances (production argon2id parameters) sharing one
// Redis: 20 concurrent wrong passwords by username to one, 20 by email to
// the other. At most the budget (5) reach the password check.
func TestLoginLimitAcrossInstances(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	a, b := servicetest.Start(t, run, env), servicetest.Start(t, run, env)
	if code, body := postJSON(t, a.URL+"/user-service-api/auth/signup", map[string]string{"username": "hostile_target", "email": "target@example.com", "password": "Sturdy-horse-pass-42"}); code != 201 {
		t.Fatalf("signup: %d %v", code, body)
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[int]int{}
	)
	start := time.Now()
	for i := range 40 {
		base, id := a.URL, "hostile_target"
		if i%2 == 1 {
			base, id = b.URL, "target@example.com"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := postJSON(t, base+"/user-service-api/auth/login", map[string]string{"identifier": id, "password": fmt.Sprintf("Wrong-guess-%d", i)})
			mu.Lock()
			counts[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("20 by username on A + 20 by email on B, concurrent: %v in %v", counts, time.Since(start).Round(time.Millisecond))
	if counts[401] > 5 || counts[401]+counts[429] != 40 {
		t.Fatalf("answers %v: want at most 5 × 401 and the rest 429", counts)
	}
}
