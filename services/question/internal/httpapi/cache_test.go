package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/pgtest"
	"github.com/peerprep/peerprep/services/question/internal/postgres"
	"github.com/peerprep/peerprep/services/question/internal/postgres/migrations"
)

// TestCacheFollowsWritesOnOtherReplicas: a replica that cached a question
// serves the new version soon after another replica changes it, and stops
// serving it once another replica deletes it.
func TestCacheFollowsWritesOnOtherReplicas(t *testing.T) {
	t.Parallel()
	store := postgres.New(pgtest.New(t, migrations.FS))
	a, b := replica(t, store), replica(t, store)
	q, err := a.svc.Create(context.Background(), draft("Two Sum", "easy", "arrays"))
	if err != nil {
		t.Fatal(err)
	}
	path := base + "/questions/" + q.ID.String()
	// The create's own change notice may land during the first read and
	// keep it out of the cache; a later read is cached.
	apitest.Eventually(t, 3*time.Second, "the question to be cached", func() bool { return a.do(t, "GET", path, a.user, "").Status == 200 && a.cache.Len() == 1 })
	before := a.do(t, "GET", path, a.user, "")
	if r := a.do(t, "GET", base+"/questions/two-sum", a.user, ""); r.Header.Get("ETag") != before.Header.Get("ETag") {
		t.Fatal("cached read by slug differs")
	}

	if r := b.do(t, "PUT", path, b.admin, body("Two Sum Renamed", "hard", "math")); r.Status != 200 {
		t.Fatalf("update on the other replica: %d %s", r.Status, r.Raw)
	}
	apitest.Eventually(t, 3*time.Second, "replica A to serve the new version", func() bool {
		r := a.do(t, "GET", path, a.user, "")
		return strings.Contains(r.Raw, `"title":"Two Sum Renamed"`)
	})
	if r := a.do(t, "GET", base+"/questions/two-sum", a.user, ""); r.Status != 404 {
		t.Fatalf("old slug after rename: %d", r.Status)
	}

	if r := b.do(t, "DELETE", path, b.admin, ""); r.Status != 204 {
		t.Fatalf("delete on the other replica: %d", r.Status)
	}
	apitest.Eventually(t, 3*time.Second, "replica A to forget the deleted question", func() bool { return a.do(t, "GET", path, a.user, "").Status == 404 })
}

// TestRandomPickIsCached: the matcher's pick is fetched next by both peers,
// so the random route leaves it in the cache.
func TestRandomPickIsCached(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	apitest.Eventually(t, 3*time.Second, "the random pick to be cached", func() bool {
		r := a.do(t, "GET", base+"/questions/random?topic=trees", a.user, "")
		return r.Status == 200 && a.cache.Len() == 1
	})
	if r := a.do(t, "GET", base+"/questions/binary-tree-depth", a.user, ""); r.Status != 200 {
		t.Fatalf("get after pick: %d", r.Status)
	}
}
