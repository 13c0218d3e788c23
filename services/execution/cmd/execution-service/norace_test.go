//go:build !race

package main

import "time"

const (
	raceSlack = time.Duration(0)
	raceScale = 1
)
