package fake_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/contract"
	"github.com/peerprep/peerprep/libs/internalapi/fake"
)

func TestFakeKeepsTheContract(t *testing.T) {
	t.Parallel()
	const token = "fake-test-internal-token-0123456789"
	f := fake.Start(t, token)
	f.SeedBank()
	contract.Run(t, contract.Target{
		URL: f.URL, Token: token,
		NewUser: func(t *testing.T) internalapi.User {
			id := uuid.NewString()
			f.SetUser(id, "ann_"+id[:4])
			return internalapi.User{ID: id, Username: "ann_" + id[:4], DisplayName: "ann_" + id[:4], Email: "ann_" + id[:4] + "@example.com", Role: "user"}
		},
		DeleteUser: func(_ *testing.T, id string) { f.DeleteUser(id) },
		Questions:  true, History: true, Sessions: true,
	})
}
