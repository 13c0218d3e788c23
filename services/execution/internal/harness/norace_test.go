//go:build !race

package harness_test

const raceScale = 1
