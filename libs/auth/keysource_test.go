package auth

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
)

type fakeServices struct {
	set   JWKS
	asked []string
}

func (f *fakeServices) GetJSON(_ context.Context, service, path string, out any) error {
	f.asked = append(f.asked, service+path)
	*out.(*JWKS) = f.set
	return nil
}

func TestKeysFromConfig(t *testing.T) {
	t.Parallel()
	priv, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := Public(priv)
	svc := &fakeServices{set: JWKS{Keys: []JWK{NewJWK(pub)}}}

	static, err := KeysFromConfig(base64.StdEncoding.EncodeToString(pub), svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := static.PublicKey(context.Background(), KeyID(pub)); err != nil || !k.Equal(pub) || len(svc.asked) != 0 {
		t.Fatalf("static keys: %v %v, asked %v", k, err, svc.asked)
	}
	if _, err := KeysFromConfig("not a key", svc, nil); err == nil || !strings.HasPrefix(err.Error(), "JWT_PUBLIC_KEYS: ") {
		t.Fatalf("bad static keys: %v", err)
	}

	fetched, err := KeysFromConfig("", svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := fetched.PublicKey(context.Background(), KeyID(pub)); err != nil || !k.Equal(pub) {
		t.Fatalf("JWKS key: %v %v", k, err)
	}
	if len(svc.asked) != 1 || svc.asked[0] != "user-service"+JWKSPath {
		t.Fatalf("asked %v", svc.asked)
	}
}
