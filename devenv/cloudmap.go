package devenv

import (
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// cloudMap is the local stand-in for AWS Cloud Map: a DNS server on
// loopback answering "<name>-service.<namespace>" with the loopback
// addresses of the service's instances that pass /health/ready, as Cloud
// Map's multivalue answers list the registered tasks. Services then call
// each other's instances directly, as they do in AWS; nothing sits in the
// path of a call. An instance that stops being ready (it is draining) stops
// being answered within a health-check interval, as deregistration does;
// the 1 s TTL bounds how long a service keeps its old list.
type cloudMap struct {
	names   map[string][]Service // FQDN, lower case → instances
	healthy func(Service) bool
	srv     *dns.Server
	addr    string
}

// cloudMapTTL is the TTL of every answer, in seconds: well inside the
// services' shutdown drain, so a draining instance is forgotten before it
// stops listening.
const cloudMapTTL = 1

// startCloudMap serves instances (by service name) on addr over UDP.
func startCloudMap(addr, namespace string, instances []Service, healthy func(Service) bool) (*cloudMap, error) {
	cm := &cloudMap{names: map[string][]Service{}, healthy: healthy}
	for _, s := range instances {
		name := dns.Fqdn(strings.ToLower(s.discoveryName(namespace)))
		cm.names[name] = append(cm.names[name], s)
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, err
	}
	cm.addr = pc.LocalAddr().String()
	var started sync.WaitGroup
	started.Add(1)
	cm.srv = &dns.Server{PacketConn: pc, Handler: cm, NotifyStartedFunc: started.Done}
	go func() { _ = cm.srv.ActivateAndServe() }()
	started.Wait()
	return cm, nil
}

func (cm *cloudMap) close() { _ = cm.srv.Shutdown() }

// answer lists the addresses of name's ready instances; all of them when
// none is ready (as Route 53 does for multivalue answers), nil for a name
// it does not know.
func (cm *cloudMap) answer(name string) ([]string, bool) {
	insts, ok := cm.names[strings.ToLower(name)]
	if !ok {
		return nil, false
	}
	var ips []string
	for _, s := range insts {
		if cm.healthy(s) {
			ips = append(ips, s.IP())
		}
	}
	if len(ips) == 0 {
		for _, s := range insts {
			ips = append(ips, s.IP())
		}
	}
	return ips, true
}

func (cm *cloudMap) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	ips, known := cm.answer(q.Name)
	switch {
	case !known:
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeA:
		for _, ip := range ips {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: cloudMapTTL},
				A:   net.ParseIP(ip).To4(),
			})
		}
	}
	_ = w.WriteMsg(m)
}
