package discovery

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"time"

	"github.com/miekg/dns"
)

// lookup returns the IPv4 addresses of host, from the cache while the
// record TTL lasts.
func (c *Client) lookup(ctx context.Context, host string) ([]string, error) {
	c.mu.Lock()
	e, ok := c.cache[host]
	c.mu.Unlock()
	if ok && c.now().Before(e.expires) {
		return e.addrs, nil
	}

	// One query per name at a time. It runs detached from this caller's
	// cancellation so one impatient caller cannot fail the others waiting.
	ch := c.lookups.DoChan(host, func() (any, error) {
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		return c.refresh(qctx, host)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.([]string), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// refresh queries host and updates the cache.
func (c *Client) refresh(ctx context.Context, host string) ([]string, error) {
	ips, ttl, err := c.query(ctx, host)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err == nil:
		c.cache[host] = cacheEntry{addrs: ips, expires: now.Add(max(ttl, minTTL))}
		return ips, nil
	case errors.Is(err, ErrNoAddresses):
		// An authoritative "nothing there": the old list is no longer true.
		delete(c.cache, host)
		return nil, err
	}
	// A failed lookup reuses the stale list rather than failing: the
	// instances it names are most likely still up, and a resolver hiccup
	// should not become an outage. Retry the lookup after staleRetry.
	if e, ok := c.cache[host]; ok {
		e.expires = now.Add(staleRetry)
		c.cache[host] = e
		return e.addrs, nil
	}
	return nil, err
}

// query asks DNS for the A records of host and how long they may be cached.
func (c *Client) query(ctx context.Context, host string) ([]string, time.Duration, error) {
	if c.dnsServer == "" {
		return querySystem(ctx, host)
	}
	return queryServer(ctx, c.dnsServer, host)
}

// querySystem uses the system resolver, which does not reveal TTLs.
func querySystem(ctx context.Context, host string) ([]string, time.Duration, error) {
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip4", host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return nil, 0, fmt.Errorf("%s: %w", host, ErrNoAddresses)
		}
		return nil, 0, err // a *net.DNSError names the host
	}
	addrs := make([]string, 0, len(ips))
	for _, ip := range ips {
		addrs = append(addrs, ip.String())
	}
	if len(addrs) == 0 {
		return nil, 0, fmt.Errorf("%s: %w", host, ErrNoAddresses)
	}
	return addrs, systemResolverTTL, nil
}

// queryServer asks server directly so the record TTL is known.
func queryServer(ctx context.Context, server, host string) ([]string, time.Duration, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(host), dns.TypeA)
	dc := &dns.Client{Net: "udp"} // the deadline comes from ctx
	in, _, err := dc.ExchangeContext(ctx, m, server)
	if err == nil && in.Truncated {
		// Many instances can overflow a UDP answer; ask again over TCP.
		dc.Net = "tcp"
		in, _, err = dc.ExchangeContext(ctx, m, server)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("look up %s: %w", host, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, 0, fmt.Errorf("%s: %w", host, ErrNoAddresses)
	default:
		return nil, 0, fmt.Errorf("look up %s: %s", host, dns.RcodeToString[in.Rcode])
	}

	var addrs []string
	ttl := uint32(math.MaxUint32)
	for _, rr := range in.Answer {
		if a, ok := rr.(*dns.A); ok {
			addrs = append(addrs, a.A.String())
			ttl = min(ttl, a.Hdr.Ttl)
		}
	}
	if len(addrs) == 0 {
		return nil, 0, fmt.Errorf("%s: %w", host, ErrNoAddresses)
	}
	return addrs, time.Duration(ttl) * time.Second, nil
}
