package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/peerprep/peerprep/libs/servicetest"
	"github.com/peerprep/peerprep/services/frontend/web"
)

// TestServe boots the real run() on :0 and reads the app the way a browser
// and the ALB do: health, the page, and the healthcheck subcommand.
func TestServe(t *testing.T) {
	t.Parallel()
	svc := servicetest.Start(t, run, nil)

	resp, err := http.Get(svc.URL + "/health/ready")
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Status, Service string }
	_ = json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if resp.StatusCode != 200 || h.Status != "healthy" || h.Service != "frontend-service" {
		t.Fatalf("ready: %d %+v", resp.StatusCode, h)
	}

	req, _ := http.NewRequest(http.MethodGet, svc.URL+"/session/abc", nil)
	req.Header.Set("Accept", "text/html")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if web.App() == nil && !strings.Contains(string(body), "npm run build") {
		t.Fatalf("without a web build the page must say how to build it: %s", body)
	}
	if web.App() != nil && !strings.Contains(string(body), "<script type=\"module\"") {
		t.Fatalf("the built page has no module script: %s", body)
	}

	port := svc.URL[strings.LastIndex(svc.URL, ":")+1:]
	if err := run(context.Background(), []string{"healthcheck"}, func(k string) string {
		return map[string]string{"PORT": port}[k]
	}, io.Discard); err != nil {
		t.Fatalf("healthcheck: %v", err)
	}
}

// TestDeployedNeedsTheApp: an image built without the web app must fail
// to start in staging or production rather than serve the how-to page.
func TestDeployedNeedsTheApp(t *testing.T) {
	t.Parallel()
	if web.App() != nil {
		t.Skip("this binary has the web build embedded")
	}
	err := run(context.Background(), nil, func(k string) string {
		return map[string]string{"ENVIRONMENT": "production", "PORT": "0"}[k]
	}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no web build") {
		t.Fatalf("run = %v", err)
	}
}
