//go:build !race

package sandbox_test

const raceSlack = 0
