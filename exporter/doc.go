// Package exporter turns audit reports into Prometheus metrics for
// tiergate serve: a collector that, at each scrape, emits the latest
// report's counts as gauges. Labels are bounded: namespaces, workload
// types, isolation classes, verdicts, rules, severities and owners (the
// Deployment, the custom resource, the bare pod) — never pod names,
// which change with every rollout.
package exporter
