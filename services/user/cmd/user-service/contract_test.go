package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/peerprep/peerprep/libs/apitest"
	"github.com/peerprep/peerprep/libs/internalapi"
	"github.com/peerprep/peerprep/libs/internalapi/contract"
	"github.com/peerprep/peerprep/libs/servicetest"
)

// TestInternalAPIContract: user-service answers its internal routes as
// libs/internalapi (and its fake) say.
func TestInternalAPIContract(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	in := servicetest.Start(t, run, env)
	tokens := map[string]string{}
	contract.Run(t, contract.Target{
		URL: in.URL, Token: env["INTERNAL_API_TOKEN"],
		NewUser: func(t *testing.T) internalapi.User {
			name := "c_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
			code, body := postJSON(t, in.URL+"/user-service-api/auth/signup", map[string]string{"username": name, "email": name + "@example.com", "password": "Contract-secret-7"})
			if code != 201 {
				t.Fatalf("signup: %d %v", code, body)
			}
			u := body["user"].(map[string]any)
			id := u["id"].(string)
			tokens[id] = body["access_token"].(string)
			return internalapi.User{ID: id, Username: name, DisplayName: u["display_name"].(string), Email: name + "@example.com", Role: "user"}
		},
		DeleteUser: func(t *testing.T, id string) {
			if r := apitest.Call(t, http.MethodDelete, in.URL+"/user-service-api/users/me", tokens[id], nil); r.Status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", r.Status, r.Raw)
			}
		},
	})
}
