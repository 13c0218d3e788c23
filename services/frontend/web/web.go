// Package web holds the web app: the Vite + React + TypeScript sources
// (src/, package.json) and, once `npm run build` has run, the built files
// under build/app, which this package embeds into frontend-service.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:build
var build embed.FS

// App returns the built app's files, rooted at the directory holding
// index.html, or nil when the binary was compiled without a web build.
func App() fs.FS {
	app, err := fs.Sub(build, "build/app")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(app, "index.html"); err != nil {
		return nil
	}
	return app
}
