//go:build race

package main

import "time"

// raceSlack is what the race detector adds to stopping a run and answering;
// raceScale stretches the run time limit: the detector slows the host side
// of every WASI call (the interpreters start several times slower).
const (
	raceSlack = 300 * time.Millisecond
	raceScale = 3
)
