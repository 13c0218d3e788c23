//go:build race

package harness_test

// raceScale stretches time limits: the race detector slows the host side of
// every WASI call.
const raceScale = 3
