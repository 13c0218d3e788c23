package image

import (
	"archive/tar"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

var commitTime = time.Date(2026, 11, 2, 10, 30, 0, 0, time.UTC)

// tinyTarget writes a one-file Go program to build instead of a real service.
func tinyTarget(t *testing.T) Target {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/tiny\n\ngo 1.26\n")
	write("main.go", "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"tiny\\n\") }\n")
	return Target{Name: "tiny-service", Dir: dir, Pkg: "."}
}

func buildTiny(t *testing.T, target Target, rev string) Built {
	t.Helper()
	built, err := Build(context.Background(), []Target{target}, Options{
		Revision: rev, Created: commitTime, WorkDir: t.TempDir(), Env: []string{"GOWORK=off", "GOFLAGS=-mod=mod"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return built[0]
}

// shared caches the tiny builds tests only read; an index keeps its binaries
// in memory, so it outlives the test that built it.
var shared = struct {
	sync.Mutex
	built map[string]Built
}{built: map[string]Built{}}

func sharedTiny(t *testing.T, rev string) Built {
	shared.Lock()
	defer shared.Unlock()
	b, ok := shared.built[rev]
	if !ok {
		b = buildTiny(t, tinyTarget(t), rev)
		shared.built[rev] = b
	}
	return b
}

func TestSameInputsBuildTheSameDigest(t *testing.T) {
	target := tinyTarget(t)
	a := sharedTiny(t, "0123456789abcdef0123456789abcdef01234567")
	b := buildTiny(t, target, "0123456789abcdef0123456789abcdef01234567") // another checkout directory, another work directory
	if a.Digest != b.Digest {
		t.Fatalf("two builds of one commit differ: %s vs %s", a.Digest, b.Digest)
	}

	other := sharedTiny(t, "fedcba9876543210fedcba9876543210fedcba98")
	if other.Digest == a.Digest {
		t.Fatal("a different revision built the same digest")
	}

	dir := filepath.Join(t.TempDir(), "layout")
	if err := WriteLayout(dir, a.Index, "0123456789abcdef0123456789abcdef01234567"); err != nil {
		t.Fatal(err)
	}
	back, tag, err := ReadLayout(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := back.Digest(); d != a.Digest || tag != "0123456789abcdef0123456789abcdef01234567" {
		t.Fatalf("layout holds %s tagged %q, want %s", d, tag, a.Digest)
	}
}

func TestIndexHasBothPlatformsRunAsNonRoot(t *testing.T) {
	b := sharedTiny(t, "0123456789abcdef0123456789abcdef01234567")
	m, err := b.Index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, desc := range m.Manifests {
		platforms = append(platforms, desc.Platform.String())
		img, err := b.Index.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		c := cf.Config
		if c.User != "65532:65532" {
			t.Errorf("%s: user %q, want 65532:65532", desc.Platform, c.User)
		}
		if strings.Join(c.Entrypoint, " ") != "/tiny-service" || strings.Join(c.Cmd, " ") != "serve" {
			t.Errorf("%s: entrypoint %v cmd %v", desc.Platform, c.Entrypoint, c.Cmd)
		}
		if _, ok := c.ExposedPorts["8000/tcp"]; !ok {
			t.Errorf("%s: 8000/tcp not exposed: %v", desc.Platform, c.ExposedPorts)
		}
		for k, want := range map[string]string{
			"org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
			"org.opencontainers.image.source":   Source,
			"org.opencontainers.image.created":  "2026-11-02T10:30:00Z",
		} {
			if c.Labels[k] != want {
				t.Errorf("%s: label %s = %q, want %q", desc.Platform, k, c.Labels[k], want)
			}
		}
		if cf.OS+"/"+cf.Architecture != desc.Platform.String() {
			t.Errorf("config says %s/%s under %s", cf.OS, cf.Architecture, desc.Platform)
		}
		files := filesIn(t, img)
		if !strings.Contains(files["etc/passwd"], "nonroot:x:65532:65532:") {
			t.Errorf("%s: /etc/passwd has no 65532 entry: %q", desc.Platform, files["etc/passwd"])
		}
		if _, ok := files["tiny-service"]; !ok {
			t.Errorf("%s: no /tiny-service in image; files %v", desc.Platform, keys(files))
		}
	}
	if strings.Join(platforms, ",") != "linux/amd64,linux/arm64" {
		t.Fatalf("platforms %v, want linux/amd64 and linux/arm64", platforms)
	}
}

// filesIn maps every regular file to its contents (binaries truncated) and
// checks every header carries the commit time.
func filesIn(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if !h.ModTime.Equal(commitTime) {
				t.Errorf("%s has mtime %s, want the commit time", h.Name, h.ModTime)
			}
			if h.Typeflag == tar.TypeReg {
				b, _ := io.ReadAll(io.LimitReader(tr, 512))
				files[h.Name] = string(b)
			}
		}
		rc.Close()
	}
	return files
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

type fakeECR struct{ endpoint string }

func (f fakeECR) GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	return &ecr.GetAuthorizationTokenOutput{AuthorizationData: []ecrtypes.AuthorizationData{{
		AuthorizationToken: aws.String(base64.StdEncoding.EncodeToString([]byte("AWS:secret-password"))),
		ProxyEndpoint:      aws.String(f.endpoint),
	}}}, nil
}

func TestPushPullCompareAndSkipExistingTag(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)

	host, auth, err := ECRLogin(context.Background(), fakeECR{endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if host != strings.TrimPrefix(srv.URL, "http://") {
		t.Fatalf("host %q from endpoint %q", host, srv.URL)
	}
	if cfg, _ := auth.Authorization(); cfg.Username != "AWS" || cfg.Password != "secret-password" {
		t.Fatalf("credentials %+v", cfg)
	}

	b := sharedTiny(t, "0123456789abcdef0123456789abcdef01234567")
	repo := host + "/tiny-service"
	opts := []remote.Option{remote.WithAuth(auth)}
	first, err := Push(context.Background(), b.Index, repo, "0123456789abcdef0123456789abcdef01234567", opts...)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Pushed {
		t.Fatal("first push skipped")
	}

	ref, _ := name.ParseReference(repo + ":0123456789abcdef0123456789abcdef01234567")
	pulled, err := remote.Index(ref, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := pulled.Digest(); d != b.Digest {
		t.Fatalf("pulled %s, pushed %s", d, b.Digest)
	}

	again, err := Push(context.Background(), b.Index, repo, "0123456789abcdef0123456789abcdef01234567", opts...)
	if err != nil {
		t.Fatal(err)
	}
	if again.Pushed {
		t.Fatal("a tag that already exists was pushed again")
	}

	other := sharedTiny(t, "fedcba9876543210fedcba9876543210fedcba98")
	if _, err := Push(context.Background(), other.Index, repo, "0123456789abcdef0123456789abcdef01234567", opts...); err == nil {
		t.Fatal("overwriting an existing tag with another digest succeeded")
	}
}

func TestDiscoverFindsServiceCommandsOnly(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{
		"services/user/cmd/user-service/main.go",
		"services/history/cmd/history-service/main.go",
		"services/history/cmd/bench-peers/main.go",    // a tool, not a service
		"services/chat/cmd/chat-service/README.md",    // no Go files yet
		"services/question/cmd/other-service/main.go", // name does not match its service
	} {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("package main\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range ts {
		got = append(got, tg.Name+"="+tg.Pkg)
	}
	want := "history-service=./services/history/cmd/history-service user-service=./services/user/cmd/user-service"
	if strings.Join(got, " ") != want {
		t.Fatalf("Discover = %v, want %s", got, want)
	}
}

// TestDataFilesAreInTheImage: a target's data files (execution-service's
// interpreters) are in every platform's image, under their path.
func TestDataFilesAreInTheImage(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "python.wasm")
	if err := os.WriteFile(src, []byte("\x00asm fake interpreter"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.WriteFile(bin, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	opts := Options{Revision: "r", Created: commitTime}
	idx, err := Assemble("execution-service", map[string]string{"linux/amd64": bin, "linux/arm64": bin}, opts,
		File{Path: "runtimes/python.wasm", Source: src})
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, desc := range m.Manifests {
		img, err := idx.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if got := filesIn(t, img)["runtimes/python.wasm"]; got != "\x00asm fake interpreter" {
			t.Errorf("%s: runtimes/python.wasm = %q", desc.Platform, got)
		}
	}
	if tg := executionRuntimes("/repo"); len(tg.Files) != 2 || tg.PrepareDir != filepath.Join("/repo", "services", "execution") {
		t.Errorf("execution-service's runtimes: %+v", tg)
	}
}
