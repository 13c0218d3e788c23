package webapp

import (
	"testing"
	"testing/fstest"
)

func testBuild() fstest.MapFS {
	return fstest.MapFS{
		"index.html":              {Data: []byte("<!doctype html><title>PeerPrep</title>")},
		"index.html.br":           {Data: []byte("br-index")},
		"index.html.gz":           {Data: []byte("gz-index")},
		"assets/index-3f2a.js":    {Data: []byte("console.log(1)")},
		"assets/index-3f2a.js.br": {Data: []byte("br-js")},
		"assets/index-9c1e.css":   {Data: []byte("body{}")},
		"favicon.svg":             {Data: []byte("<svg/>")},
		"notes.gz":                {Data: []byte("a gzip file on its own")},
	}
}

func TestLoadAttachesCompressedCopies(t *testing.T) {
	t.Parallel()
	s, err := Load(testBuild())
	if err != nil {
		t.Fatal(err)
	}
	js, kind := s.Resolve("/assets/index-3f2a.js", false)
	if kind != Asset || js.ContentType != "text/javascript; charset=utf-8" || !js.Compressed() {
		t.Fatalf("js: kind %d, %+v", kind, js)
	}
	if v := js.Pick("gzip, br"); v.Encoding != Brotli || string(v.Data) != "br-js" {
		t.Fatalf("picked %s %q", v.Encoding.Token(), v.Data)
	}
	if v := js.Pick("gzip"); v.Encoding != Identity {
		t.Fatalf("no gzip copy, yet picked %s", v.Encoding.Token())
	}
	if _, kind := s.Resolve("/assets/index-3f2a.js.br", false); kind != Missing {
		t.Fatalf("a compressed copy is served as a file of its own (kind %d)", kind)
	}
	if f, kind := s.Resolve("/notes.gz", false); kind != Other || f.ContentType == "" {
		t.Fatalf("a .gz without a base file must stay a file: kind %d", kind)
	}
	id, br := js.Pick(""), js.Pick("br")
	if id.ETag == br.ETag || id.ETag[0] != '"' {
		t.Fatalf("ETags %s and %s must differ per encoding and be quoted", id.ETag, br.ETag)
	}
}

func TestLoadNeedsIndex(t *testing.T) {
	t.Parallel()
	if _, err := Load(fstest.MapFS{"assets/a.js": {Data: []byte("x")}}); err == nil {
		t.Fatal("a build without index.html loaded")
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	s, err := Load(testBuild())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		path string
		html bool
		want Kind
		file string
	}{
		{"root is the app", "/", false, Page, "/index.html"},
		{"index.html itself", "/index.html", false, Page, "/index.html"},
		{"hashed asset", "/assets/index-9c1e.css", false, Asset, "/assets/index-9c1e.css"},
		{"other file", "/favicon.svg", false, Other, "/favicon.svg"},
		{"navigation to an app route", "/session/123", true, Page, "/index.html"},
		{"app route without text/html", "/session/123", false, Missing, ""},
		{"missing asset is a 404 even for a navigation", "/assets/old-1234.js", true, Missing, ""},
		{"the assets directory itself", "/assets", true, Missing, ""},
		{"dot segments are cleaned", "/assets/../favicon.svg", false, Other, "/favicon.svg"},
		{"traversal stays inside", "/../../etc/passwd", false, Missing, ""},
		{"double slash", "//favicon.svg", false, Other, "/favicon.svg"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, kind := s.Resolve(tc.path, tc.html)
			if kind != tc.want {
				t.Fatalf("kind %d, want %d", kind, tc.want)
			}
			if tc.file != "" && f.Name != tc.file {
				t.Fatalf("file %s, want %s", f.Name, tc.file)
			}
		})
	}
}
