package cfn

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/peerprep/peerprep/deploy/config"
	"github.com/peerprep/peerprep/deploy/iam"
	"github.com/peerprep/peerprep/libs/metrics"
)

var update = flag.Bool("update", false, "rewrite the golden templates in testdata")

// render loads env from the real deploy configuration and renders it.
func render(t *testing.T, env string) (*config.Environment, []byte) {
	t.Helper()
	e, tpl := renderTemplate(t, env)
	b, err := tpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return e, b
}

func renderTemplate(t *testing.T, env string) (*config.Environment, *Template) {
	t.Helper()
	e, err := config.Load("..", env)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Render(e)
	if err != nil {
		t.Fatal(err)
	}
	return e, tpl
}

func environments(t *testing.T) []string {
	envs, err := config.Environments("..")
	if err != nil || len(envs) == 0 {
		t.Fatalf("environments: %v %v", envs, err)
	}
	return envs
}

// parsed is the template as CloudFormation would read it back.
type parsed struct {
	Parameters map[string]map[string]any
	Resources  map[string]struct {
		Type                                string
		DependsOn                           any
		DeletionPolicy, UpdateReplacePolicy string
		Properties                          map[string]any
	}
	Outputs map[string]map[string]any
}

func parse(t *testing.T, b []byte) parsed {
	t.Helper()
	var p parsed
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var raw struct {
		AWSTemplateFormatVersion, Description string
		parsed
	}
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("template does not parse: %v", err)
	}
	p = raw.parsed
	if raw.AWSTemplateFormatVersion != "2010-09-09" || len(p.Resources) == 0 {
		t.Fatalf("not a template: version %q, %d resources", raw.AWSTemplateFormatVersion, len(p.Resources))
	}
	return p
}

func TestGoldenTemplates(t *testing.T) {
	for _, env := range environments(t) {
		t.Run(env, func(t *testing.T) {
			_, got := render(t, env)
			golden := filepath.Join("testdata", env+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./deploy/cfn -update)", err)
			}
			if _, err := Compact(got); err != nil {
				t.Error(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("rendered %s template differs from %s; review the change and run go test ./deploy/cfn -update", env, golden)
			}
		})
	}
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

func TestEveryReferenceResolves(t *testing.T) {
	for _, env := range environments(t) {
		t.Run(env, func(t *testing.T) {
			_, b := render(t, env)
			p := parse(t, b)
			known := func(name string) bool {
				_, isRes := p.Resources[name]
				_, isParam := p.Parameters[name]
				return isRes || isParam || strings.HasPrefix(name, "AWS::")
			}
			var walk func(path string, v any)
			walk = func(path string, v any) {
				switch v := v.(type) {
				case map[string]any:
					for k, x := range v {
						switch k {
						case "Ref":
							if !known(x.(string)) {
								t.Errorf("%s: Ref to unknown %q", path, x)
							}
						case "Fn::GetAtt":
							target := x.([]any)[0].(string)
							if _, ok := p.Resources[target]; !ok {
								t.Errorf("%s: GetAtt on unknown resource %q", path, target)
							}
						case "Fn::Sub":
							s, ok := x.(string)
							if !ok {
								t.Errorf("%s: Fn::Sub with variables is not used here", path)
								continue
							}
							for _, m := range subVar.FindAllStringSubmatch(s, -1) {
								name, _, _ := strings.Cut(m[1], ".")
								if !known(name) {
									t.Errorf("%s: Sub references unknown %q", path, m[1])
								}
							}
						}
						walk(path+"."+k, x)
					}
				case []any:
					for _, x := range v {
						walk(path, x)
					}
				}
			}
			for name, r := range p.Resources {
				walk(name, r.Properties)
				if d, ok := r.DependsOn.(string); ok {
					if _, exists := p.Resources[d]; !exists {
						t.Errorf("%s depends on unknown %s", name, d)
					}
				}
			}
			for name, o := range p.Outputs {
				walk("Outputs."+name, o)
			}
		})
	}
}

func TestParametersAndOutputsAreDocumented(t *testing.T) {
	want := []string{"VpcId", "PrivateSubnetIds", "ServiceSecurityGroupId", "ClusterName", "HttpsListenerArn", "LoadBalancerDnsName",
		"LoadBalancerFullName", "NamespaceId", "NamespaceName", "TaskExecutionRoleArn", "TaskRoleArn", "DatabaseEndpoint",
		"DatabasePort", "DatabaseSecretArn", "RedisEndpoint", "DeployRoleArn", "AlarmTopicArn"}
	for _, env := range environments(t) {
		t.Run(env, func(t *testing.T) {
			_, b := render(t, env)
			p := parse(t, b)
			for name, param := range p.Parameters {
				if d, _ := param["Description"].(string); d == "" {
					t.Errorf("parameter %s has no description", name)
				}
			}
			for name, o := range p.Outputs {
				if d, _ := o["Description"].(string); d == "" {
					t.Errorf("output %s has no description", name)
				}
			}
			for _, name := range want {
				if _, ok := p.Outputs[name]; !ok {
					t.Errorf("the pipeline needs output %s", name)
				}
			}
		})
	}
}

func TestOnlyTheLoadBalancerIsOpenToTheInternet(t *testing.T) {
	for _, env := range environments(t) {
		t.Run(env, func(t *testing.T) {
			_, b := render(t, env)
			p := parse(t, b)
			check := func(where string, rule map[string]any) {
				if rule["CidrIp"] != "0.0.0.0/0" && rule["CidrIpv6"] != "::/0" {
					return
				}
				port, _ := rule["FromPort"].(float64)
				to, _ := rule["ToPort"].(float64)
				if where != "AlbSecurityGroup" || port != to || (port != 80 && port != 443) {
					t.Errorf("%s lets the internet in on %v-%v", where, rule["FromPort"], rule["ToPort"])
				}
			}
			open := 0
			for name, r := range p.Resources {
				switch r.Type {
				case "AWS::EC2::SecurityGroup":
					rules, _ := r.Properties["SecurityGroupIngress"].([]any)
					for _, x := range rules {
						check(name, x.(map[string]any))
						if x.(map[string]any)["CidrIp"] == "0.0.0.0/0" {
							open++
						}
					}
				case "AWS::EC2::SecurityGroupIngress":
					group := r.Properties["GroupId"].(map[string]any)["Ref"].(string)
					check(group+" via "+name, r.Properties)
				}
			}
			if open != 2 {
				t.Errorf("the ALB should accept 80 and 443 from the internet; %d open rules", open)
			}
		})
	}
}

func TestEnvironmentsDiffer(t *testing.T) {
	staging, sb := render(t, "staging")
	prod, pb := render(t, "production")
	s, p := parse(t, sb), parse(t, pb)
	if got := s.Resources["Database"].Properties["MultiAZ"]; got != staging.MultiAZ {
		t.Errorf("staging database MultiAZ = %v", got)
	}
	if got := p.Resources["Redis"].Properties["MultiAZEnabled"]; got != prod.MultiAZ || got != true {
		t.Errorf("production Redis MultiAZEnabled = %v", got)
	}
	if s.Resources["Namespace"].Properties["Name"] != "peerprep-staging.local" || p.Resources["Namespace"].Properties["Name"] != prod.Namespace {
		t.Error("Cloud Map namespaces do not come from the configuration")
	}
	for _, svc := range prod.Services {
		lg := p.Resources[LogicalID(svc.Name)+"LogGroup"].Properties
		if lg["LogGroupName"] != svc.LogGroup || lg["RetentionInDays"] != float64(prod.LogRetentionDays) {
			t.Errorf("%s log group %v", svc.Name, lg)
		}
		repo := p.Resources[LogicalID(svc.Name)+"Repository"].Properties
		if repo["ImageTagMutability"] != "IMMUTABLE" {
			t.Errorf("%s repository tags are mutable", svc.Name)
		}
	}
	var types []string
	for _, r := range p.Resources {
		types = append(types, r.Type)
	}
	for _, want := range []string{"AWS::IAM::OIDCProvider", "AWS::CloudWatch::Dashboard", "AWS::Budgets::Budget", "AWS::ElastiCache::ReplicationGroup", "AWS::RDS::DBInstance"} {
		if !slices.Contains(types, want) {
			t.Errorf("production template has no %s", want)
		}
	}
}

func TestWebAppIsTheListenersDefaultAction(t *testing.T) {
	for _, env := range environments(t) {
		t.Run(env, func(t *testing.T) {
			e, b := render(t, env)
			p := parse(t, b)
			web, ok := e.DefaultRoute()
			if !ok {
				t.Fatal("no default route configured")
			}
			actions := p.Resources["HttpsListener"].Properties["DefaultActions"].([]any)
			a := actions[0].(map[string]any)
			if len(actions) != 1 || a["Type"] != "forward" || a["TargetGroupArn"].(map[string]any)["Ref"] != "DefaultTargetGroup" {
				t.Fatalf("HTTPS default actions %v, want a forward to DefaultTargetGroup", actions)
			}
			tg := p.Resources["DefaultTargetGroup"]
			if tg.Type != "AWS::ElasticLoadBalancingV2::TargetGroup" || tg.Properties["Name"] != e.TargetGroupName(web.Name) ||
				tg.Properties["HealthCheckPath"] != e.HealthCheck.Path || tg.Properties["TargetType"] != "ip" ||
				tg.Properties["Port"] != float64(e.ContainerPort) {
				t.Errorf("default target group %+v", tg.Properties)
			}
			if _, ok := p.Outputs["DefaultTargetGroupArn"]; !ok {
				t.Error("no DefaultTargetGroupArn output for the pipeline")
			}
			// The internal routes stay blocked; no listener rule names the web app.
			internal := p.Resources["InternalPathRule"].Properties["Actions"].([]any)[0].(map[string]any)
			if internal["Type"] != "fixed-response" {
				t.Errorf("internal rule action %v", internal)
			}
			rules := 0
			for _, r := range p.Resources {
				if r.Type == "AWS::ElasticLoadBalancingV2::ListenerRule" {
					rules++
				}
			}
			if rules != 1 {
				t.Errorf("%d listener rules in the template, want only the internal one", rules)
			}
		})
	}
}

// The deploy role allows exactly the actions deploy/iam lists for the
// pipeline's calls.
func TestDeployRoleIsTheIAMList(t *testing.T) {
	for _, env := range environments(t) {
		t.Run(env, func(t *testing.T) {
			_, tpl := renderTemplate(t, env)
			got, want := DeployRoleActions(tpl), iam.Actions(iam.Pipeline)
			if !slices.Equal(got, want) {
				t.Errorf("deploy role actions\n%v\nwant\n%v", got, want)
			}
			for _, a := range []string{"ecs:TagResource", "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms", "logs:GetLogEvents"} {
				if !slices.Contains(got, a) {
					t.Errorf("deploy role lacks %s", a)
				}
			}
		})
	}
}

var searchMetric = regexp.MustCompile(`\{(PeerPrep/[a-z]+)[^}]*\} MetricName=\\*"(\w+)\\*"`)

// The dashboard and alarms read the metrics the services emit: names come
// from libs/metrics, and every metric there is on the dashboard.
func TestTemplateReadsTheMetricsServicesEmit(t *testing.T) {
	for _, env := range environments(t) {
		t.Run(env, func(t *testing.T) {
			_, b := render(t, env)
			p := parse(t, b)
			known := map[string]bool{}
			for _, mt := range metrics.All {
				known[mt.Name] = true
			}
			onDashboard := map[string]bool{}
			for _, match := range searchMetric.FindAllStringSubmatch(string(b), -1) {
				if match[1] != metrics.Namespace(env) || !known[match[2]] {
					t.Errorf("dashboard reads %s %s, which no service emits (libs/metrics)", match[1], match[2])
				}
				onDashboard[match[2]] = true
			}
			for _, mt := range metrics.All {
				if !onDashboard[mt.Name] {
					t.Errorf("%s is emitted but not on the dashboard", mt.Name)
				}
			}
			alarms := 0
			for name, r := range p.Resources {
				if r.Type != "AWS::CloudWatch::Alarm" || r.Properties["Namespace"] != metrics.Namespace(env) {
					continue
				}
				alarms++
				if !known[r.Properties["MetricName"].(string)] {
					t.Errorf("alarm %s reads %v, which no service emits", name, r.Properties["MetricName"])
				}
			}
			if alarms < 4 {
				t.Errorf("%d alarms on the services' own metrics", alarms)
			}
		})
	}
}
