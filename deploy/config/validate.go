package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/peerprep/peerprep/libs/metrics"
)

var (
	serviceName = regexp.MustCompile(`^[a-z][a-z0-9-]{1,30}-service$`)
	pathPrefix  = regexp.MustCompile(`^/[a-z0-9-]+$`)
	envVarName  = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	// A Secrets Manager secret name (path-like) or ARN, optionally with a
	// JSON key suffix as ECS accepts ("arn:…:secret:name:password::").
	secretRef  = regexp.MustCompile(`^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+(:[A-Za-z0-9_-]*:[A-Za-z0-9_-]*:[A-Za-z0-9_-]*)?|[A-Za-z0-9/_+=.@-]{1,512})$`)
	accountID  = regexp.MustCompile(`^\d{12}$`)
	regionName = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-\d$`)
)

// sensitive names a variable whose value must come from Secrets Manager.
var sensitive = regexp.MustCompile(`(?i)(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|_KEY$|^KEY$|CREDENTIAL|DATABASE_URL|REDIS_URL)`)

// CloudWatch Logs accepts only these retention periods (days).
var retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// FargateMemory lists the valid memory sizes (MiB) for a Fargate CPU size.
func FargateMemory(cpu int) []int {
	span := func(from, to, step int) []int {
		var out []int
		for m := from; m <= to; m += step {
			out = append(out, m)
		}
		return out
	}
	switch cpu {
	case 256:
		return []int{512, 1024, 2048}
	case 512:
		return span(1024, 4096, 1024)
	case 1024:
		return span(2048, 8192, 1024)
	case 2048:
		return span(4096, 16384, 1024)
	case 4096:
		return span(8192, 30720, 1024)
	case 8192:
		return span(16384, 61440, 4096)
	case 16384:
		return span(32768, 122880, 8192)
	}
	return nil
}

func (t *Topology) validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	seenName, seenPrefix, seenPrio, seenPort := map[string]bool{}, map[string]bool{}, map[int]string{}, map[int]string{}
	defaultRoute := ""
	if len(t.Services) == 0 {
		add("services.yaml defines no service")
	}
	for _, r := range t.Services {
		if !serviceName.MatchString(r.Name) {
			add("service name %q must look like name-service", r.Name)
		}
		if seenName[r.Name] {
			add("service %s is defined twice", r.Name)
		}
		seenName[r.Name] = true
		if r.DefaultRoute {
			if defaultRoute != "" {
				add("%s: default_route is also %s's; the ALB has one default action", r.Name, defaultRoute)
			}
			defaultRoute = r.Name
			if r.PathPrefix != "" || r.ListenerPriority != 0 {
				add("%s: the default route has no path_prefix and no listener_priority", r.Name)
			}
			if r.Database || r.Redis || r.WebSocket {
				add("%s: the default route serves the web app; it owns no database, Redis or sockets", r.Name)
			}
		} else {
			if !pathPrefix.MatchString(r.PathPrefix) {
				add("%s: path_prefix %q must be /lowercase-name without a trailing slash", r.Name, r.PathPrefix)
			}
			if seenPrefix[r.PathPrefix] {
				add("%s: path_prefix %s is used twice", r.Name, r.PathPrefix)
			}
			seenPrefix[r.PathPrefix] = true
			if r.ListenerPriority < 1 || r.ListenerPriority > 50000 {
				add("%s: listener_priority must be 1–50000", r.Name)
			}
			if other, dup := seenPrio[r.ListenerPriority]; dup {
				add("%s: listener_priority %d is also %s's", r.Name, r.ListenerPriority, other)
			}
			seenPrio[r.ListenerPriority] = r.Name
			if r.ListenerPriority == t.InternalRulePriority {
				add("%s: listener_priority %d is the internal rule's", r.Name, r.ListenerPriority)
			}
		}
		if r.LocalPort < 1024 || r.LocalPort > 65535 {
			add("%s: local_port must be 1024–65535", r.Name)
		}
		if other, dup := seenPort[r.LocalPort]; dup {
			add("%s: local_port %d is also %s's", r.Name, r.LocalPort, other)
		}
		seenPort[r.LocalPort] = r.Name
	}
	if t.ContainerPort < 1 || t.ContainerPort > 65535 {
		add("container_port must be a port")
	}
	h := t.HealthCheck
	if !strings.HasPrefix(h.Path, "/") {
		add("health_check.path must start with /")
	}
	if h.IntervalSeconds < 5 || h.IntervalSeconds > 300 || h.TimeoutSeconds < 2 || h.TimeoutSeconds >= h.IntervalSeconds {
		add("health_check: interval 5–300 s and a timeout of 2 s to less than the interval")
	}
	if h.HealthyThreshold < 2 || h.HealthyThreshold > 10 || h.UnhealthyThreshold < 2 || h.UnhealthyThreshold > 10 {
		add("health_check thresholds must be 2–10")
	}
	if t.InternalPathPattern == "" || t.InternalRulePriority < 1 {
		add("internal_path_pattern and internal_rule_priority are required")
	}
	return errors.Join(errs...)
}

func (e *Environment) validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !accountID.MatchString(e.AccountID) {
		add("account_id must be 12 digits (quote it in YAML)")
	}
	if !regionName.MatchString(e.Region) {
		add("region %q is not an AWS region name", e.Region)
	}
	if e.Namespace != "peerprep-"+shortEnv(e.Name)+".local" {
		add("namespace must be peerprep-%s.local", shortEnv(e.Name))
	}
	if !strings.HasPrefix(e.CertificateARN, "arn:aws:acm:"+e.Region+":") {
		add("certificate_arn must be an ACM certificate in %s", e.Region)
	}
	if !slices.Contains(retentionDays, e.LogRetentionDays) {
		add("log_retention_days %d is not a CloudWatch retention period", e.LogRetentionDays)
	}
	if e.DeployTimeoutMinutes < 1 || e.DeployTimeoutMinutes > 120 {
		add("deploy_timeout_minutes must be 1–120")
	}
	for _, s := range e.Services {
		if !slices.Contains(FargateMemory(s.CPU), s.Memory) {
			add("%s: cpu %d with memory %d is not a Fargate size", s.Name, s.CPU, s.Memory)
		}
		if s.MinCount < 2 || s.MinCount > s.DesiredCount || s.DesiredCount > s.MaxCount || s.MaxCount > 100 {
			add("%s: need 2 ≤ min (%d) ≤ desired (%d) ≤ max (%d) ≤ 100", s.Name, s.MinCount, s.DesiredCount, s.MaxCount)
		}
		a := s.Autoscaling
		if a.CPUTarget < 10 || a.CPUTarget > 95 || a.ScaleOutCooldownSeconds < 0 || a.ScaleInCooldownSeconds < 0 || a.RequestsPerTarget < 0 {
			add("%s: autoscaling needs a cpu_target of 10–95 and non-negative cooldowns", s.Name)
		}
		if a.BacklogPerTask < 0 || (a.BacklogPerTask > 0 && !slices.Contains(metrics.QueueDepth.Services, s.Name)) {
			add("%s: backlog_per_task needs a service that emits %s (%v)", s.Name, metrics.QueueDepth.Name, metrics.QueueDepth.Services)
		}
		for k, v := range s.Environment {
			if !envVarName.MatchString(k) {
				add("%s: environment variable name %q is not valid", s.Name, k)
			}
			if sensitive.MatchString(k) {
				add("%s: %s looks secret; reference it under secrets, never as plain text", s.Name, k)
			}
			if strings.Contains(v, "://") && strings.Contains(v, "@") {
				add("%s: %s holds credentials in a URL; use secrets", s.Name, k)
			}
		}
		for k, ref := range s.Secrets {
			if !envVarName.MatchString(k) {
				add("%s: secret variable name %q is not valid", s.Name, k)
			}
			if !secretRef.MatchString(ref) {
				add("%s: secret %s must be a Secrets Manager name or ARN", s.Name, k)
			}
			if _, dup := s.Environment[k]; dup {
				add("%s: %s is both a plain variable and a secret", s.Name, k)
			}
		}
		if s.Redis {
			if _, ok := s.Secrets["REDIS_URL"]; !ok {
				add("%s uses Redis but has no REDIS_URL secret", s.Name)
			}
		}
		if _, ok := s.Secrets["INTERNAL_API_TOKEN"]; !ok && !s.DefaultRoute {
			add("%s has no INTERNAL_API_TOKEN secret", s.Name)
		}
	}
	if s, ok := e.Service("user-service"); ok {
		if _, ok := s.Secrets["JWT_SIGNING_KEY"]; !ok {
			add("user-service has no JWT_SIGNING_KEY secret")
		}
	}
	return errors.Join(errs...)
}

// shortEnv is the environment's short name in resource names ("production" → "prod").
func shortEnv(name string) string {
	if name == "production" {
		return "prod"
	}
	return name
}

// Short is the environment's short name used in resource names.
func (e *Environment) Short() string { return shortEnv(e.Name) }
