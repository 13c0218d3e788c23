// Package buildinfo holds the version stamped into every binary at build time:
//
//	go build -ldflags "-X github.com/peerprep/peerprep/libs/buildinfo.Version=$(git rev-parse HEAD)"
package buildinfo

import "runtime/debug"

// Version is the git SHA the binary was built from, or "dev".
var Version = "dev"

// Get returns Version, falling back to the VCS revision Go embeds when the
// binary was built inside a checkout without -ldflags.
func Get() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				return s.Value
			}
		}
	}
	return Version
}
