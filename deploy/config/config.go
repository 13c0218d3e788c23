// Package config loads PeerPrep's deploy configuration — deploy/services.yaml
// (routing, health checks, discovery: the same in every environment) merged
// with deploy/environments/<env>.yaml (sizes, counts, environment, secret
// references) — and validates it. The CloudFormation templates, the deploy
// pipeline and the local gateway all read it.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// HealthCheck is the target-group health check every service shares.
type HealthCheck struct {
	Path                       string `yaml:"path"`
	IntervalSeconds            int    `yaml:"interval_seconds"`
	TimeoutSeconds             int    `yaml:"timeout_seconds"`
	HealthyThreshold           int    `yaml:"healthy_threshold"`
	UnhealthyThreshold         int    `yaml:"unhealthy_threshold"`
	GracePeriodSeconds         int    `yaml:"grace_period_seconds"`
	DeregistrationDelaySeconds int    `yaml:"deregistration_delay_seconds"`
}

// Route is one service as traffic sees it (deploy/services.yaml).
type Route struct {
	Name             string `yaml:"name"`              // "user-service": ECS service, ECR repository, Cloud Map name
	PathPrefix       string `yaml:"path_prefix"`       // "/user-service-api"; empty for the default route
	ListenerPriority int    `yaml:"listener_priority"` // ALB rule priority; 0 for the default route
	// DefaultRoute marks the one service the ALB's default action forwards
	// to (the web app): it has no path prefix and no listener rule.
	DefaultRoute bool `yaml:"default_route"`
	Database     bool `yaml:"database"` // owns a PostgreSQL database: migrations run before deploy
	Redis        bool `yaml:"redis"`
	WebSocket    bool `yaml:"websocket"` // holds long-lived connections (stickiness off, longer deregistration)
	LocalPort    int  `yaml:"local_port"`
}

// Topology is deploy/services.yaml.
type Topology struct {
	Services             []Route     `yaml:"services"`
	ContainerPort        int         `yaml:"container_port"`
	HealthCheck          HealthCheck `yaml:"health_check"`
	InternalPathPattern  string      `yaml:"internal_path_pattern"`
	InternalRulePriority int         `yaml:"internal_rule_priority"`
}

// Autoscaling is a service's target tracking.
type Autoscaling struct {
	CPUTarget               float64 `yaml:"cpu_target"`
	ScaleOutCooldownSeconds int     `yaml:"scale_out_cooldown_seconds"`
	ScaleInCooldownSeconds  int     `yaml:"scale_in_cooldown_seconds"`
	RequestsPerTarget       int     `yaml:"requests_per_target"` // 0: no request-count policy
	// BacklogPerTask is the queue depth per running task matching-service
	// scales to keep (libs/metrics QueueDepth ÷ running tasks); 0: none.
	BacklogPerTask int `yaml:"backlog_per_task"`
}

// Sizing is what an environment file may set per service (and in defaults).
type Sizing struct {
	CPU          int               `yaml:"cpu"`
	Memory       int               `yaml:"memory"`
	DesiredCount int               `yaml:"desired_count"`
	MinCount     int               `yaml:"min_count"`
	MaxCount     int               `yaml:"max_count"`
	Autoscaling  *Autoscaling      `yaml:"autoscaling"`
	Environment  map[string]string `yaml:"environment"`
	Secrets      map[string]string `yaml:"secrets"` // variable → Secrets Manager name or ARN
}

type envFile struct {
	Name                 string            `yaml:"name"`
	Region               string            `yaml:"region"`
	AccountID            string            `yaml:"account_id"`
	Namespace            string            `yaml:"namespace"`
	Domain               string            `yaml:"domain"`
	CertificateARN       string            `yaml:"certificate_arn"`
	MultiAZ              bool              `yaml:"multi_az"`
	LogRetentionDays     int               `yaml:"log_retention_days"`
	DeployTimeoutMinutes int               `yaml:"deploy_timeout_minutes"`
	Defaults             Sizing            `yaml:"defaults"`
	Services             map[string]Sizing `yaml:"services"`
}

// Service is one service fully resolved for an environment.
type Service struct {
	Route
	CPU, Memory                      int
	DesiredCount, MinCount, MaxCount int
	Autoscaling                      Autoscaling
	Environment                      map[string]string
	Secrets                          map[string]string
	LogGroup                         string // /ecs/peerprep-<env>/<name>
}

// Environment is one deployable environment.
type Environment struct {
	Name                 string
	Region               string
	AccountID            string
	Namespace            string
	Domain               string
	CertificateARN       string
	MultiAZ              bool
	LogRetentionDays     int
	DeployTimeoutMinutes int
	ContainerPort        int
	HealthCheck          HealthCheck
	InternalPathPattern  string
	InternalRulePriority int
	Services             []Service // in services.yaml order
}

// Cluster is the ECS cluster name.
func (e *Environment) Cluster() string { return "peerprep-" + e.Name }

// TargetGroupName fits ELB's 32-character limit: pp-<env>-<service without -service>.
func (e *Environment) TargetGroupName(svc string) string {
	n := "pp-" + e.Name + "-" + strings.TrimSuffix(svc, "-service")
	if len(n) > 32 {
		n = strings.TrimRight(n[:32], "-")
	}
	return n
}

// DefaultRoute is the service the load balancer's default action forwards
// to, if one is configured.
func (e *Environment) DefaultRoute() (Service, bool) {
	for _, s := range e.Services {
		if s.DefaultRoute {
			return s, true
		}
	}
	return Service{}, false
}

// Service returns the named service.
func (e *Environment) Service(name string) (Service, bool) {
	for _, s := range e.Services {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

func decodeStrict(path string, out any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// LoadTopology reads <dir>/services.yaml.
func LoadTopology(dir string) (*Topology, error) {
	var t Topology
	if err := decodeStrict(filepath.Join(dir, "services.yaml"), &t); err != nil {
		return nil, err
	}
	return &t, t.validate()
}

// Environments lists the environment names under <dir>/environments.
func Environments(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "environments", "*.yaml"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	slices.Sort(names)
	return names, nil
}

// Load reads and validates environment env from dir (the deploy directory).
func Load(dir, env string) (*Environment, error) {
	if !regexp.MustCompile(`^[a-z][a-z0-9-]{0,20}$`).MatchString(env) {
		return nil, fmt.Errorf("environment name %q is not valid", env)
	}
	topo, err := LoadTopology(dir)
	if err != nil {
		return nil, err
	}
	var f envFile
	if err := decodeStrict(filepath.Join(dir, "environments", env+".yaml"), &f); err != nil {
		return nil, err
	}
	e := &Environment{
		Name: f.Name, Region: f.Region, AccountID: f.AccountID, Namespace: f.Namespace, Domain: f.Domain,
		CertificateARN: f.CertificateARN, MultiAZ: f.MultiAZ, LogRetentionDays: f.LogRetentionDays,
		DeployTimeoutMinutes: f.DeployTimeoutMinutes, ContainerPort: topo.ContainerPort, HealthCheck: topo.HealthCheck,
		InternalPathPattern: topo.InternalPathPattern, InternalRulePriority: topo.InternalRulePriority,
	}
	var errs []error
	if f.Name != env {
		errs = append(errs, fmt.Errorf("%s.yaml names itself %q", env, f.Name))
	}
	for name := range f.Services {
		if !slices.ContainsFunc(topo.Services, func(r Route) bool { return r.Name == name }) {
			errs = append(errs, fmt.Errorf("%s.yaml configures %s, which services.yaml does not define", env, name))
		}
	}
	for _, r := range topo.Services {
		own, ok := f.Services[r.Name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s.yaml has no entry for %s", env, r.Name))
			continue
		}
		e.Services = append(e.Services, merge(e.Name, r, f.Defaults, own))
	}
	errs = append(errs, e.validate())
	return e, errors.Join(errs...)
}

// merge applies defaults, then the service's own settings.
func merge(env string, r Route, def, own Sizing) Service {
	pick := func(a, b int) int {
		if a != 0 {
			return a
		}
		return b
	}
	s := Service{Route: r,
		CPU: pick(own.CPU, def.CPU), Memory: pick(own.Memory, def.Memory),
		DesiredCount: pick(own.DesiredCount, def.DesiredCount), MinCount: pick(own.MinCount, def.MinCount),
		MaxCount:    pick(own.MaxCount, def.MaxCount),
		Environment: map[string]string{}, Secrets: map[string]string{},
		LogGroup: "/ecs/peerprep-" + env + "/" + r.Name,
	}
	if def.Autoscaling != nil {
		s.Autoscaling = *def.Autoscaling
	}
	if a := own.Autoscaling; a != nil {
		if a.CPUTarget != 0 {
			s.Autoscaling.CPUTarget = a.CPUTarget
		}
		s.Autoscaling.ScaleOutCooldownSeconds = pick(a.ScaleOutCooldownSeconds, s.Autoscaling.ScaleOutCooldownSeconds)
		s.Autoscaling.ScaleInCooldownSeconds = pick(a.ScaleInCooldownSeconds, s.Autoscaling.ScaleInCooldownSeconds)
		s.Autoscaling.RequestsPerTarget = pick(a.RequestsPerTarget, s.Autoscaling.RequestsPerTarget)
		s.Autoscaling.BacklogPerTask = pick(a.BacklogPerTask, s.Autoscaling.BacklogPerTask)
	}
	maps.Copy(s.Environment, def.Environment)
	maps.Copy(s.Environment, own.Environment)
	maps.Copy(s.Secrets, def.Secrets)
	maps.Copy(s.Secrets, own.Secrets)
	if r.Database {
		// Host, user and password come from the stack's RDS outputs at deploy time.
		s.Environment["PGDATABASE"] = DatabaseName(r.Name)
		s.Environment["PGSSLMODE"] = "require"
	}
	return s
}

// DatabaseName is the database a service owns: "user-service" → "peerprep_user".
func DatabaseName(service string) string {
	return "peerprep_" + strings.ReplaceAll(strings.TrimSuffix(service, "-service"), "-", "_")
}
