package devenv

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// portPicker hands out distinct free TCP ports for service instances.
//
// A port the kernel gives to Listen(":0") comes from the ephemeral range,
// the same range outgoing connections take their local port from: between
// picking it and the service binding it (migrations, seeds and the other
// instances' start-up open many connections to PostgreSQL and Redis in that
// time), a client socket can take it, and the service fails with "address
// already in use". So ports are picked below the ephemeral range, where
// the kernel never puts a client socket, and each is checked by binding it
// the way the services do (every interface).
type portPicker struct {
	lo, hi int          // candidates in [lo, hi)
	taken  map[int]bool // handed out already
	rand   func(n int) int
	free   func(port int) bool
}

func newPortPicker() *portPicker {
	lo, hi := 20000, 30000
	if eph, ok := ephemeralLow(); ok && eph < hi {
		// Keep a 10,000-port window just below the ephemeral range.
		hi = eph
		lo = max(hi-10000, 1024)
	}
	return &portPicker{lo: lo, hi: hi, taken: map[int]bool{}, rand: rand.IntN, free: bindable}
}

// next returns a port nobody listens on and that was not handed out before.
func (pp *portPicker) next() (int, error) {
	if pp.hi <= pp.lo {
		return 0, fmt.Errorf("no port range to pick from (%d–%d)", pp.lo, pp.hi)
	}
	for range 200 {
		p := pp.lo + pp.rand(pp.hi-pp.lo)
		if pp.taken[p] || !pp.free(p) {
			continue
		}
		pp.taken[p] = true
		return p, nil
	}
	return 0, errors.New("no free port found below the ephemeral range after 200 tries")
}

// bindable reports whether a listener can bind port on every interface,
// as the services' ":<port>" does, and on 127.0.0.1, where they are probed.
func bindable(port int) bool {
	for _, addr := range []string{":" + strconv.Itoa(port), "127.0.0.1:" + strconv.Itoa(port)} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		_ = ln.Close()
	}
	return true
}

// ephemeralLow is the first port of Linux's ephemeral range.
func ephemeralLow() (int, bool) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, false
	}
	return parsePortRange(string(b))
}

// parsePortRange reads the low end of "32768\t60999\n".
func parsePortRange(s string) (int, bool) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, false
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil || lo < 1 || lo > 65535 {
		return 0, false
	}
	return lo, true
}
