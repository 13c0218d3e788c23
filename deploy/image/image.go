// Package image builds PeerPrep's service images without a Docker daemon: a
// static Go binary on an empty base, run as uid 65532, one OCI index per
// service covering linux/amd64 and linux/arm64, written as an OCI layout under
// dist/ and pushed to ECR tagged with the git SHA. The same commit always
// yields the same digest: binaries are built with -trimpath, and every tar
// header and timestamp comes from the commit time (SOURCE_DATE_EPOCH).
package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// UID and GID the services run as ("nonroot" in distroless).
	UID = 65532
	GID = 65532
	// Port every service listens on in its container.
	Port = "8000/tcp"
	// Source is the repository the images are built from (the source label).
	Source = "https://github.com/peerprep/peerprep"

	versionVar = "github.com/peerprep/peerprep/libs/buildinfo.Version"
)

// Platforms are the platforms every image index covers.
var Platforms = []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}

// Target is one program to package: the Go package Pkg (relative to Dir,
// e.g. "./services/user/cmd/user-service") built into the binary /<Name>.
type Target struct {
	Name string // "user-service": binary name and image (repository) name
	Dir  string // directory go build runs in
	Pkg  string
	// Files are data files the image holds besides the binary, the same
	// for every platform (execution-service's interpreters).
	Files []File
	// Prepare, when set, is a go command (run in PrepareDir) that makes
	// Files: it runs before the build.
	Prepare    []string
	PrepareDir string
}

// File is a data file of an image: Source on the build machine, Path in
// the image (relative to /).
type File struct {
	Path   string
	Source string
}

// executionRuntimes are execution-service's interpreters (see
// services/execution/runtimes): /runtimes in its image, where the service
// looks for them.
func executionRuntimes(root string) Target {
	dir := filepath.Join(root, "services", "execution")
	return Target{
		Files: []File{
			{Path: "runtimes/python.wasm", Source: filepath.Join(dir, "runtimes", "node_modules", "@antonz", "python-wasi", "dist", "python.wasm")},
			{Path: "runtimes/goja.wasm", Source: filepath.Join(dir, "runtimes", "build", "goja.wasm")},
		},
		Prepare:    []string{"run", "./runtimes/prepare"},
		PrepareDir: dir,
	}
}

// Discover lists the services under root: every services/<name>/cmd/<name>-service
// directory that holds Go files, sorted by name. They build from root (go.work).
func Discover(root string) ([]Target, error) {
	dirs, err := filepath.Glob(filepath.Join(root, "services", "*", "cmd", "*-service"))
	if err != nil {
		return nil, err
	}
	var ts []Target
	for _, d := range dirs {
		name := filepath.Base(d)
		svc := filepath.Base(filepath.Dir(filepath.Dir(d)))
		if name != svc+"-service" {
			continue
		}
		if files, _ := filepath.Glob(filepath.Join(d, "*.go")); len(files) == 0 {
			continue
		}
		t := Target{Name: name, Dir: root, Pkg: "./services/" + svc + "/cmd/" + name}
		if name == "execution-service" {
			r := executionRuntimes(root)
			t.Files, t.Prepare, t.PrepareDir = r.Files, r.Prepare, r.PrepareDir
		}
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	return ts, nil
}

// Options control a build. Revision and Created are what make it reproducible.
type Options struct {
	Revision  string    // git SHA: stamped into the binary and the revision label
	Created   time.Time // commit time (SOURCE_DATE_EPOCH): file mtimes and the created label
	Platforms []v1.Platform
	Jobs      int       // parallel go builds; default GOMAXPROCS
	WorkDir   string    // where binaries are written; default a temporary directory
	Log       io.Writer // progress lines; nil: silent
	Env       []string  // extra environment for go build (e.g. GOWORK=off)
}

func (o *Options) defaults() {
	if len(o.Platforms) == 0 {
		o.Platforms = Platforms
	}
	if o.Jobs <= 0 {
		o.Jobs = runtime.GOMAXPROCS(0)
	}
	if o.Created.IsZero() {
		o.Created = time.Unix(0, 0)
	}
	o.Created = o.Created.UTC()
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "==> "+format+"\n", args...)
	}
}

// Built is one image index.
type Built struct {
	Target Target
	Index  v1.ImageIndex
	Digest v1.Hash
}

// BuildBinary compiles t for one platform into out: static, trimmed paths,
// stripped, version stamped.
func BuildBinary(ctx context.Context, t Target, p v1.Platform, revision, out string, env []string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -buildid= -X "+versionVar+"="+revision, "-o", out, t.Pkg)
	cmd.Dir = t.Dir
	cmd.Env = append(append(os.Environ(), env...), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s for %s/%s: %w\n%s", t.Pkg, p.OS, p.Architecture, err, stderr.String())
	}
	return nil
}

// Build compiles every target for every platform (at most opts.Jobs go builds
// at once) and assembles one image index per target.
func Build(ctx context.Context, targets []Target, opts Options) ([]Built, error) {
	opts.defaults()
	work := opts.WorkDir
	if work == "" {
		dir, err := os.MkdirTemp("", "peerprep-image-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		work = dir
	}
	type job struct {
		t   int
		p   v1.Platform
		out string
	}
	var jobs []job
	for i, t := range targets {
		for _, p := range opts.Platforms {
			jobs = append(jobs, job{i, p, filepath.Join(work, p.OS+"-"+p.Architecture, t.Name)})
		}
	}
	for _, t := range targets {
		if len(t.Prepare) == 0 {
			continue
		}
		opts.logf("preparing %s: go %s", t.Name, strings.Join(t.Prepare, " "))
		cmd := exec.CommandContext(ctx, "go", t.Prepare...)
		cmd.Dir = t.PrepareDir
		cmd.Env = append(os.Environ(), opts.Env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("preparing %s: go %s: %w\n%s", t.Name, strings.Join(t.Prepare, " "), err, out)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, opts.Jobs)
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			opts.logf("building %s for %s/%s", targets[j.t].Name, j.p.OS, j.p.Architecture)
			if err := BuildBinary(ctx, targets[j.t], j.p, opts.Revision, j.out, opts.Env); err != nil {
				errs[i] = err
				cancel()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var built []Built
	for i, t := range targets {
		bins := map[string]string{}
		for _, j := range jobs {
			if j.t == i {
				bins[j.p.String()] = j.out
			}
		}
		idx, err := Assemble(t.Name, bins, opts, t.Files...)
		if err != nil {
			return nil, fmt.Errorf("assemble %s: %w", t.Name, err)
		}
		d, err := idx.Digest()
		if err != nil {
			return nil, err
		}
		built = append(built, Built{Target: t, Index: idx, Digest: d})
	}
	return built, nil
}

// Assemble packages one binary per platform into an OCI image index. The
// binaries (keyed by "os/arch") are read into memory, so the index stays valid after they are removed.
func Assemble(name string, binaries map[string]string, opts Options, files ...File) (v1.ImageIndex, error) {
	opts.defaults()
	var data []file
	for _, f := range files {
		body, err := os.ReadFile(f.Source)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		data = append(data, file{name: f.Path, mode: 0o444, body: body})
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range opts.Platforms {
		path, ok := binaries[p.String()]
		if !ok {
			return nil, fmt.Errorf("no %s/%s binary for %s", p.OS, p.Architecture, name)
		}
		bin, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		img, err := Image(name, p, bin, opts, data...)
		if err != nil {
			return nil, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: p.OS, Architecture: p.Architecture}},
		})
	}
	return idx, nil
}

// Image is one platform's image: a layer with the passwd/group files, a
// layer with the binary (and any data files, read-only, their directories
// made), and the run configuration.
func Image(name string, p v1.Platform, binary []byte, opts Options, data ...file) (v1.Image, error) {
	opts.defaults()
	mtime := opts.Created
	system, err := layer(mtime, []file{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/passwd", mode: 0o644, body: []byte(fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", UID, GID))},
		{name: "etc/group", mode: 0o644, body: []byte(fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", GID))},
		{name: "home/", mode: 0o755, dir: true},
		{name: "home/nonroot/", mode: 0o700, dir: true, uid: UID, gid: GID},
		{name: "tmp/", mode: 0o1777, dir: true},
	})
	if err != nil {
		return nil, err
	}
	appFiles := []file{{name: name, mode: 0o755, body: binary}}
	dirs := map[string]bool{}
	for _, f := range data {
		if d := filepath.ToSlash(filepath.Dir(f.name)); d != "." && !dirs[d] {
			dirs[d] = true
			appFiles = append(appFiles, file{name: d + "/", mode: 0o755, dir: true})
		}
		appFiles = append(appFiles, f)
	}
	app, err := layer(mtime, appFiles)
	if err != nil {
		return nil, err
	}
	created := v1.Time{Time: mtime}
	img, err := mutate.Append(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON),
		mutate.Addendum{Layer: system, History: v1.History{Created: created, CreatedBy: "peerprep image: /etc/passwd, /etc/group, /tmp"}},
		mutate.Addendum{Layer: app, History: v1.History{Created: created, CreatedBy: "peerprep image: /" + name}},
	)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = created
	cf.Author = ""
	cf.Config = v1.Config{
		Entrypoint:   []string{"/" + name},
		Cmd:          []string{"serve"},
		User:         fmt.Sprintf("%d:%d", UID, GID),
		WorkingDir:   "/",
		Env:          []string{"PATH=/"},
		ExposedPorts: map[string]struct{}{Port: {}},
		Labels: map[string]string{
			"org.opencontainers.image.revision": opts.Revision,
			"org.opencontainers.image.source":   Source,
			"org.opencontainers.image.created":  mtime.Format(time.RFC3339),
			"org.opencontainers.image.title":    name,
		},
	}
	return mutate.ConfigFile(img, cf)
}

type file struct {
	name     string
	mode     int64
	dir      bool
	uid, gid int
	body     []byte
}

// layer writes files into a tar with fixed headers (no user names, one mtime)
// so its digest depends on the contents only.
func layer(mtime time.Time, files []file) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Uid: f.uid, Gid: f.gid, ModTime: mtime, Format: tar.FormatPAX}
		if f.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}

// WriteLayout replaces dir with an OCI layout holding idx, its reference
// annotated as tag (org.opencontainers.image.ref.name).
func WriteLayout(dir string, idx v1.ImageIndex, tag string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag}))
}

// ReadLayout returns the image index a layout written by WriteLayout holds.
func ReadLayout(dir string) (v1.ImageIndex, string, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, "", err
	}
	root, err := p.ImageIndex()
	if err != nil {
		return nil, "", err
	}
	m, err := root.IndexManifest()
	if err != nil {
		return nil, "", err
	}
	if len(m.Manifests) != 1 {
		return nil, "", fmt.Errorf("%s: want one image index, found %d entries", dir, len(m.Manifests))
	}
	idx, err := root.ImageIndex(m.Manifests[0].Digest)
	return idx, m.Manifests[0].Annotations["org.opencontainers.image.ref.name"], err
}

// Revision returns HEAD's SHA and its commit time, or SOURCE_DATE_EPOCH when
// set, in the git checkout at root. A dirty tree gets "-dirty" on the SHA.
func Revision(ctx context.Context, root string) (string, time.Time, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = root
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	sha, err := git("rev-parse", "HEAD")
	if err != nil {
		return "", time.Time{}, fmt.Errorf("git rev-parse HEAD: %w", err)
	}
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		if epoch, err = git("log", "-1", "--format=%ct", "HEAD"); err != nil {
			return "", time.Time{}, fmt.Errorf("git log: %w", err)
		}
	}
	var sec int64
	if _, err := fmt.Sscan(epoch, &sec); err != nil {
		return "", time.Time{}, fmt.Errorf("commit time %q: %w", epoch, err)
	}
	if status, err := git("status", "--porcelain"); err != nil || status != "" {
		sha += "-dirty"
	}
	return sha, time.Unix(sec, 0).UTC(), nil
}
