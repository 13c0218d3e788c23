// Package webapp is the built web app as frontend-service serves it: every
// file read once at start-up with its content type, ETag and precompressed
// copies, and the rules that decide what a path is (a hashed asset, another
// file, or a page of the single-page app).
package webapp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"
)

// AssetsDir is where Vite puts content-hashed files; they never change
// under their name, so browsers may keep them for a year.
const AssetsDir = "/assets/"

// Kind says how a request path is answered.
type Kind int

const (
	// Missing: no such file, and not a page of the app (404).
	Missing Kind = iota
	// Asset: a content-hashed file under /assets/ (cached immutable).
	Asset
	// Other: another file of the build (revalidated on every use).
	Other
	// Page: index.html, answering a navigation to a route of the app.
	Page
)

// File is one file of the build with its precompressed copies.
type File struct {
	Name        string // URL path, "/assets/index-3f2a.js"
	ContentType string
	variants    map[Encoding]Variant
}

// Variant is one encoding of a file's bytes.
type Variant struct {
	Encoding Encoding
	Data     []byte
	ETag     string // quoted, distinct per encoding
}

// Site is a loaded build.
type Site struct {
	files map[string]*File
	index *File
}

// Load reads every file of fsys (a build rooted at index.html). X.br and
// X.gz become the brotli and gzip copies of X when X exists; on their own
// they are ordinary files.
func Load(fsys fs.FS) (*Site, error) {
	raw := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		raw["/"+p] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the web build: %w", err)
	}
	s := &Site{files: map[string]*File{}}
	for name, data := range raw {
		if base, enc, ok := compressedCopy(name); ok {
			if _, exists := raw[base]; exists && enc != Identity {
				continue // attached to base below
			}
		}
		f := &File{Name: name, ContentType: contentType(name), variants: map[Encoding]Variant{}}
		f.variants[Identity] = variant(Identity, data)
		for _, enc := range []Encoding{Brotli, Gzip} {
			if b, ok := raw[name+enc.suffix()]; ok {
				f.variants[enc] = variant(enc, b)
			}
		}
		s.files[name] = f
	}
	s.index = s.files["/index.html"]
	if s.index == nil {
		return nil, fmt.Errorf("the web build has no index.html")
	}
	return s, nil
}

func variant(enc Encoding, data []byte) Variant {
	sum := sha256.Sum256(data)
	tag := hex.EncodeToString(sum[:12])
	if enc != Identity {
		tag += "-" + enc.suffix()[1:]
	}
	return Variant{Encoding: enc, Data: data, ETag: `"` + tag + `"`}
}

// compressedCopy splits "/a.js.br" into "/a.js" and Brotli.
func compressedCopy(name string) (base string, enc Encoding, ok bool) {
	for _, e := range []Encoding{Brotli, Gzip} {
		if b, found := strings.CutSuffix(name, e.suffix()); found {
			return b, e, true
		}
	}
	return name, Identity, false
}

// Resolve decides how urlPath is answered. acceptsHTML says the request
// is a navigation (Accept includes text/html): only those get the app's
// index.html for a path that is not a file.
func (s *Site) Resolve(urlPath string, acceptsHTML bool) (*File, Kind) {
	clean := path.Clean("/" + urlPath)
	if clean == "/" {
		return s.index, Page
	}
	if f, ok := s.files[clean]; ok {
		if f == s.index {
			return f, Page
		}
		if strings.HasPrefix(clean, AssetsDir) {
			return f, Asset
		}
		return f, Other
	}
	// A missing asset is a 404, never the app: a stale page asking for an
	// old chunk must fail visibly instead of parsing HTML as JavaScript.
	if strings.HasPrefix(clean, AssetsDir) || clean+"/" == AssetsDir || !acceptsHTML {
		return nil, Missing
	}
	return s.index, Page
}

// Pick returns the variant of f to send to a client whose Accept-Encoding
// header is acceptEncoding.
func (f *File) Pick(acceptEncoding string) Variant {
	return f.variants[Negotiate(acceptEncoding, f.has)]
}

// Compressed reports whether f has a precompressed copy (responses then
// vary by Accept-Encoding).
func (f *File) Compressed() bool { return len(f.variants) > 1 }

func (f *File) has(e Encoding) bool { _, ok := f.variants[e]; return ok }

// extraTypes covers files Go's built-in table lacks; an image has no
// /etc/mime.types to fill the gap.
var extraTypes = map[string]string{
	".ico":         "image/x-icon",
	".map":         "application/json",
	".txt":         "text/plain; charset=utf-8",
	".webmanifest": "application/manifest+json",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := extraTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}
