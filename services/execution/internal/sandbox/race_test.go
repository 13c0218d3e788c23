//go:build race

package sandbox_test

// raceSlack is what the race detector adds to stopping a run: it slows the
// host side (wazero's closing, the WASI calls), not the guest's code.
const raceSlack = 200e6 // 200 ms
