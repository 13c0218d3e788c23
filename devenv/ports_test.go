package devenv

import (
	"net"
	"testing"
)

func TestParsePortRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"32768\t60999\n", 32768, true},
		{"1024 65000", 1024, true},
		{"", 0, false},
		{"32768", 0, false},
		{"a b", 0, false},
		{"0 100", 0, false},
		{"70000 80000", 0, false},
	} {
		got, ok := parsePortRange(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parsePortRange(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPortPickerBelowEphemeralRange(t *testing.T) {
	pp := newPortPicker()
	eph, haveEph := ephemeralLow()
	seen := map[int]bool{}
	for range 30 {
		p, err := pp.next()
		if err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
		if p < 1024 || (haveEph && p >= eph) {
			t.Fatalf("port %d outside [1024, %d)", p, eph)
		}
	}
}

func TestPortPickerSkipsTakenAndBusyPorts(t *testing.T) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().(*net.TCPAddr).Port
	if bindable(busy) {
		t.Fatalf("port %d has a listener but bindable says free", busy)
	}
	// Candidates in order: busy, then 40001 twice, then 40002.
	seq := []int{busy, 40001, 40001, 40002}
	pp := &portPicker{lo: 0, hi: 65536, taken: map[int]bool{}, free: func(p int) bool { return p != busy }}
	pp.rand = func(int) int { v := seq[0]; seq = seq[1:]; return v }
	for _, want := range []int{40001, 40002} {
		got, err := pp.next()
		if err != nil || got != want {
			t.Fatalf("next() = %d, %v; want %d", got, err, want)
		}
	}
	full := &portPicker{lo: 1, hi: 2, taken: map[int]bool{1: true}, rand: func(int) int { return 0 }, free: func(int) bool { return true }}
	if p, err := full.next(); err == nil {
		t.Fatalf("next() on an exhausted range = %d, want an error", p)
	}
}
