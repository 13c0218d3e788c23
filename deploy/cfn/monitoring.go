package cfn

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/peerprep/peerprep/deploy/config"
	"github.com/peerprep/peerprep/libs/metrics"
)

const lbName = "${LoadBalancer.LoadBalancerFullName}" // resolved by Fn::Sub

func monitoring(env *config.Environment, r m) {
	r["AlarmTopic"] = res("AWS::SNS::Topic", m{"TopicName": "peerprep-" + env.Name + "-alarms", "DisplayName": "PeerPrep " + env.Name + " alarms"})
	r["AlarmTopicPolicy"] = res("AWS::SNS::TopicPolicy", m{"Topics": []any{ref("AlarmTopic")},
		"PolicyDocument": policy(m{"Effect": "Allow", "Principal": m{"Service": []string{"budgets.amazonaws.com", "cloudwatch.amazonaws.com"}},
			"Action": "sns:Publish", "Resource": ref("AlarmTopic"),
			"Condition": m{"StringEquals": m{"aws:SourceAccount": ref("AWS::AccountId")}}})})

	alarm := func(desc string, props m) m {
		p := m{"AlarmDescription": desc, "AlarmActions": []any{ref("AlarmTopic")}, "OKActions": []any{ref("AlarmTopic")},
			"TreatMissingData": "notBreaching", "ComparisonOperator": "GreaterThanThreshold"}
		for k, v := range props {
			p[k] = v
		}
		return res("AWS::CloudWatch::Alarm", p)
	}
	lb := []m{{"Name": "LoadBalancer", "Value": getAtt("LoadBalancer", "LoadBalancerFullName")}}
	r["Alb5xxAlarm"] = alarm("more than 10 5xx responses from the services in 5 minutes", m{
		"Namespace": "AWS/ApplicationELB", "MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": lb,
		"Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 10})
	r["AlbLatencyP99Alarm"] = alarm("p99 response time above 1 s for 10 minutes", m{
		"Namespace": "AWS/ApplicationELB", "MetricName": "TargetResponseTime", "Dimensions": lb,
		"ExtendedStatistic": "p99", "Period": 60, "EvaluationPeriods": 10, "DatapointsToAlarm": 10, "Threshold": 1})
	// Target groups belong to the pipeline, so the alarm queries every target
	// group behind this load balancer (CloudWatch Metrics Insights).
	r["UnhealthyHostsAlarm"] = alarm("a target group behind the ALB has unhealthy targets for 5 minutes", m{
		"Metrics": []m{{"Id": "unhealthy", "Period": 60, "ReturnData": true,
			"Expression": sub(`SELECT MAX(UnHealthyHostCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer, TargetGroup) WHERE LoadBalancer = '` + lbName + `'`)}},
		"EvaluationPeriods": 5, "DatapointsToAlarm": 5, "Threshold": 0})
	for _, s := range env.Services {
		r[LogicalID(s.Name)+"CpuAlarm"] = alarm(s.Name+" CPU above 85 % for 10 minutes", m{
			"Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
			"Dimensions": []m{{"Name": "ClusterName", "Value": env.Cluster()}, {"Name": "ServiceName", "Value": s.Name}},
			"Statistic":  "Average", "Period": 60, "EvaluationPeriods": 10, "DatapointsToAlarm": 10, "Threshold": 85})
	}

	// The services' own metrics (libs/metrics, EMF on stdout).
	ns := metrics.Namespace(env.Name)
	custom := func(svc string) []m {
		return []m{{"Name": metrics.ServiceDimension, "Value": svc}}
	}
	r["MatchingBacklogAlarm"] = alarm("more than 100 tickets waiting for a match for 5 minutes", m{
		"Namespace": ns, "MetricName": metrics.QueueDepth.Name, "Dimensions": custom("matching-service"),
		"Statistic": metrics.QueueDepth.Statistic, "Period": 60, "EvaluationPeriods": 5, "DatapointsToAlarm": 5, "Threshold": 100})
	r["MatchLatencyAlarm"] = alarm("p99 time to a match above 60 s for 10 minutes", m{
		"Namespace": ns, "MetricName": metrics.MatchLatency.Name, "Dimensions": custom("matching-service"),
		"ExtendedStatistic": metrics.MatchLatency.Statistic, "Period": 60, "EvaluationPeriods": 10, "DatapointsToAlarm": 10, "Threshold": 60000})
	for _, svc := range metrics.StreamLag.Services {
		r[LogicalID(svc)+"StreamLagAlarm"] = alarm(svc+" p99 stream lag above 2 s for 5 minutes: messages or edits reach sockets late", m{
			"Namespace": ns, "MetricName": metrics.StreamLag.Name, "Dimensions": custom(svc),
			"ExtendedStatistic": metrics.StreamLag.Statistic, "Period": 60, "EvaluationPeriods": 5, "DatapointsToAlarm": 5, "Threshold": 2000})
	}
	r["ExecutionTimeoutsAlarm"] = alarm("more than 20 code runs hit the time limit in 5 minutes (execution-service)", m{
		"Namespace": ns, "MetricName": metrics.ExecutionTimeouts.Name, "Dimensions": custom("execution-service"),
		"Statistic": metrics.ExecutionTimeouts.Statistic, "Period": 300, "EvaluationPeriods": 1, "Threshold": 20})

	// AWS/Billing metrics exist only in us-east-1; a budget works from any region.
	notify := func(kind string) m {
		return m{"Notification": m{"NotificationType": kind, "ComparisonOperator": "GREATER_THAN", "Threshold": 100, "ThresholdType": "PERCENTAGE"},
			"Subscribers": []m{{"SubscriptionType": "SNS", "Address": ref("AlarmTopic")}}}
	}
	budget := res("AWS::Budgets::Budget", m{
		"Budget": m{"BudgetName": "peerprep-" + env.Name + "-monthly", "BudgetType": "COST", "TimeUnit": "MONTHLY",
			"BudgetLimit": m{"Amount": ref("MonthlyBudgetUsd"), "Unit": "USD"},
			"CostFilters": m{"TagKeyValue": []string{"user:Environment$" + env.Name}}},
		"NotificationsWithSubscribers": []m{notify("ACTUAL"), notify("FORECASTED")}})
	budget["DependsOn"] = "AlarmTopicPolicy"
	r["BillingAlarm"] = budget

	body, _ := json.Marshal(dashboard(env))
	r["Dashboard"] = res("AWS::CloudWatch::Dashboard", m{"DashboardName": "peerprep-" + env.Name, "DashboardBody": sub(string(body))})
}

// dashboard is the golden signals per service: latency (p50/p99), traffic,
// errors (4xx/5xx) and saturation (CPU/memory, running tasks). Each widget
// is one SEARCH over every target group or service, so a service shows up as
// its own line without the dashboard (and the template) growing with it.
func dashboard(env *config.Environment) m {
	var widgets []m
	x, y := 0, 0
	widget := func(title string, metrics []any, stat string) {
		widgets = append(widgets, m{"type": "metric", "x": x, "y": y, "width": 8, "height": 6,
			"properties": m{"title": title, "region": "${AWS::Region}", "view": "timeSeries", "stat": stat, "period": 60, "metrics": metrics}})
		if x += 8; x == 24 {
			x, y = 0, y+6
		}
	}
	search := func(schema, filter, metric, stat, id string) []any {
		return []any{m{"expression": fmt.Sprintf(`SEARCH('{%s} MetricName="%s" %s', '%s', 60)`, schema, metric, filter, stat), "id": id}}
	}
	tg := func(metric, stat, id string) []any {
		return search("AWS/ApplicationELB,LoadBalancer,TargetGroup", `LoadBalancer="`+lbName+`"`, metric, stat, id)
	}
	ecs := func(schema, metric, stat, id string) []any {
		return search(schema+",ClusterName,ServiceName", `ClusterName="`+env.Cluster()+`"`, metric, stat, id)
	}
	widget("ALB: requests, 4xx, 5xx", []any{
		[]any{"AWS/ApplicationELB", "RequestCount", "LoadBalancer", lbName},
		[]any{".", "HTTPCode_Target_4XX_Count", ".", "."},
		[]any{".", "HTTPCode_Target_5XX_Count", ".", "."},
		[]any{".", "HTTPCode_ELB_5XX_Count", ".", "."},
	}, "Sum")
	widget("p99 latency (s) by target group", []any{tg("TargetResponseTime", "p99", "p99")}, "p99")
	widget("p50 latency (s) by target group", []any{tg("TargetResponseTime", "p50", "p50")}, "p50")
	widget("requests by target group", []any{tg("RequestCount", "Sum", "requests")}, "Sum")
	widget("5xx by target group", []any{tg("HTTPCode_Target_5XX_Count", "Sum", "e5xx")}, "Sum")
	widget("4xx by target group", []any{tg("HTTPCode_Target_4XX_Count", "Sum", "e4xx")}, "Sum")
	widget("CPU (%) by service", []any{ecs("AWS/ECS", "CPUUtilization", "Average", "cpu")}, "Average")
	widget("memory (%) by service", []any{ecs("AWS/ECS", "MemoryUtilization", "Average", "mem")}, "Average")
	widget("running tasks by service", []any{ecs("ECS/ContainerInsights", "RunningTaskCount", "Average", "tasks")}, "Average")
	// One widget per custom metric, one line per service (and per value of
	// its extra dimensions).
	ns := metrics.Namespace(env.Name)
	for i, mt := range metrics.All {
		schema := strings.Join(append([]string{ns, metrics.ServiceDimension}, mt.Extra...), ",")
		widget(fmt.Sprintf("%s (%s, %s)", mt.Name, mt.Statistic, mt.Unit), []any{
			search(schema, "", mt.Name, mt.Statistic, fmt.Sprintf("c%d", i))}, mt.Statistic)
	}
	return m{"widgets": widgets}
}
