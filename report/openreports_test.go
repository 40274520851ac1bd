package report

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/audit"
	goldenfile "github.com/tiergate/tiergate/internal/golden"
	"github.com/tiergate/tiergate/internal/testaudit"
	"github.com/tiergate/tiergate/policy"
)

var reportTime = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

// docs splits a multi-document YAML stream into objects.
func docs(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, d := range strings.Split(string(b), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// TestOpenReportsOfTheExample: one Report per namespace, a fail result
// per finding, a skip per exempted one, a pass per clean workload; the
// summary counts them; the PolicyReport form is the same without the
// report-level source.
func TestOpenReportsOfTheExample(t *testing.T) {
	_, rep := testaudit.Files(t, "../examples/llm-platform.yaml")
	var b bytes.Buffer
	if err := Render(&b, rep, "openreports", Options{Now: reportTime}); err != nil {
		t.Fatal(err)
	}
	goldenfile.Assert(t, "./report", "testdata/example-openreports.golden", b.Bytes())
	reports := docs(t, b.Bytes())
	namespaces := map[string]bool{}
	fails, passes := 0, 0
	for _, r := range reports {
		meta := r["metadata"].(map[string]any)
		namespaces[meta["namespace"].(string)] = true
		if r["apiVersion"] != "openreports.io/v1alpha1" || r["kind"] != "Report" || r["source"] != "tiergate" || meta["name"] != "tiergate" {
			t.Errorf("report %v %v %v %v", r["apiVersion"], r["kind"], r["source"], meta["name"])
		}
		sum := r["summary"].(map[string]any)
		n := map[string]int{}
		for _, res := range r["results"].([]any) {
			n[res.(map[string]any)["result"].(string)]++
		}
		if int(sum["fail"].(float64)) != n["fail"] || int(sum["pass"].(float64)) != n["pass"] {
			t.Errorf("%s: summary %v, results %v", meta["namespace"], sum, n)
		}
		fails += n["fail"]
		passes += n["pass"]
	}
	if fails != rep.Summary.Findings || passes != rep.Summary.ByVerdict[audit.VerdictOK] || len(namespaces) != len(reports) {
		t.Errorf("%d fail results for %d findings, %d pass for %d clean workloads, %d reports over %d namespaces", fails, rep.Summary.Findings, passes, rep.Summary.ByVerdict[audit.VerdictOK], len(reports), len(namespaces))
	}

	b.Reset()
	if err := Render(&b, rep, "policyreport", Options{Now: reportTime}); err != nil {
		t.Fatal(err)
	}
	for _, r := range docs(t, b.Bytes()) {
		if r["apiVersion"] != "wgpolicyk8s.io/v1alpha2" || r["kind"] != "PolicyReport" || r["source"] != nil {
			t.Errorf("policy report %v %v source %v", r["apiVersion"], r["kind"], r["source"])
		}
	}
}

// TestOpenReportsSplitLargeNamespaces: a namespace with more results than
// one object should hold gets several reports.
func TestOpenReportsSplitLargeNamespaces(t *testing.T) {
	rep := &audit.Report{}
	for i := range 1201 {
		rep.Workloads = append(rep.Workloads, audit.Result{Kind: "Pod", Namespace: "big", Name: "p" + strconv.Itoa(i),
			Findings: []audit.Finding{{Rule: "TG-NET-001", Severity: policy.Medium, Message: "no egress policy"}}})
	}
	var b bytes.Buffer
	if err := Render(&b, rep, "openreports", Options{Now: reportTime}); err != nil {
		t.Fatal(err)
	}
	var names []string
	total := 0
	for _, r := range docs(t, b.Bytes()) {
		names = append(names, r["metadata"].(map[string]any)["name"].(string))
		total += len(r["results"].([]any))
	}
	if strings.Join(names, ",") != "tiergate,tiergate-2,tiergate-3" || total != 1201 {
		t.Errorf("reports %v with %d results", names, total)
	}
}
