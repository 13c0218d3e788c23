//go:build race

package main

import "time"

// raceSlack is what the race detector adds to stopping a run and answering.
const raceSlack = 300 * time.Millisecond
